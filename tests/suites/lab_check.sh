#!/usr/bin/env bash
# `pitest lab check` on the virtual lab: every board is reported wired
# (exit 0, a labcheck.board event per board); a copy with pi3b-1's relay
# dead names that board (power ?, the relay to check) and exits 1 while
# the others stay wired; a relay that switches another board is named by
# the MAC that answered, a loose console by its column. Usage errors exit 2.
. "$(dirname "$0")/common.sh"
lab="$PITEST_SOURCE_DIR/fixtures/labs/virtual.yaml"

set +e
"$PITEST_BIN" lab check >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "which lab" "$tmp/err" || fail "no --lab: exit $rc, $(cat "$tmp/err")"
set +e
"$PITEST_BIN" lab frob --lab "$lab" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "lab frob: exit $rc"
set +e
"$PITEST_BIN" lab check --lab "$lab" --board nosuch >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "no board named 'nosuch'" "$tmp/err" || fail "--board nosuch: exit $rc, $(cat "$tmp/err")"

# 1. The lab as it is: all wired.
set +e
"$PITEST_BIN" lab check --lab "$lab" --events "$tmp/events.jsonl" -q > "$tmp/stdout" 2> "$tmp/stderr"; rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 0 ] || { cat "$tmp/stderr" >&2; fail "lab check of the virtual lab exited $rc"; }
for b in pi2-1 pi3b-1 pi3bplus-1 pi4b-1 pi5-1; do
  grep -Eq "^$b +power ok  console ok \([0-9]+ lines?\)  network ok \(DISCOVER from [0-9a-f:]{17}\)  off ok$" \
    "$tmp/stdout" || fail "no wired line for $b"
done
grep -qx "5 of 5 boards wired" "$tmp/stdout" || fail "no '5 of 5 boards wired'"
python3 - "$tmp/events.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
checks = [e for e in ev if e["event"] == "labcheck.board"]
if len(checks) != 5:
    sys.exit("FAIL: %d labcheck.board events, want 5" % len(checks))
for e in checks:
    if (e["power"], e["console"], e["network"], e["off"], e["wired"]) != ("ok", "ok", "ok", "ok", "true"):
        sys.exit("FAIL: %s" % e)
for name in ("power.on", "power.off", "dhcp.discover", "console.line"):
    if not any(e["event"] == name for e in ev):
        sys.exit("FAIL: no %s event" % name)
PY

# 2. pi3b-1's relay switches nothing: that board is named, the others are wired.
sed 's/name: pi3b-1, model: pi3b,/name: pi3b-1, model: pi3b, miswired: power,/' "$lab" > "$tmp/dead.yaml"
grep -q "miswired: power" "$tmp/dead.yaml" || fail "could not miswire the copy"
set +e
"$PITEST_BIN" lab check --lab "$tmp/dead.yaml" -q > "$tmp/stdout" 2> "$tmp/stderr"; rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 1 ] || { cat "$tmp/stderr" >&2; fail "lab check with a dead relay exited $rc, want 1"; }
grep -Eq "^pi3b-1 +power \?  console none in [0-9]+ s  network none in [0-9]+ s  off \?  -> check the relay/power line$" \
  "$tmp/stdout" || fail "pi3b-1's dead relay not named"
for b in pi2-1 pi3bplus-1 pi4b-1 pi5-1; do
  grep -Eq "^$b +power ok .* off ok$" "$tmp/stdout" || fail "$b not wired beside the dead relay"
done
grep -qx "4 of 5 boards wired" "$tmp/stdout" || fail "no '4 of 5 boards wired'"

# 3. pi2-1's relay powers pi5-1; pi4b-1's console wire is loose.
sed -e 's/name: pi2-1, model: pi2,/name: pi2-1, model: pi2, miswired: switches pi5-1,/' \
    -e 's/name: pi4b-1, model: pi4b,/name: pi4b-1, model: pi4b, miswired: console,/' "$lab" > "$tmp/swap.yaml"
set +e
"$PITEST_BIN" lab check --lab "$tmp/swap.yaml" --board pi2-1 --board pi4b-1 -q > "$tmp/stdout" 2> "$tmp/stderr"; rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 1 ] || { cat "$tmp/stderr" >&2; fail "lab check with a swapped relay exited $rc, want 1"; }
grep -Eq "^pi2-1 +power \? .*DISCOVER came from 2c:cf:67:0a:1b:2c \(lab has it as pi5-1\).*-> this board's relay seems to switch pi5-1$" \
  "$tmp/stdout" || fail "pi2-1's relay to pi5-1 not named"
grep -Eq "^pi4b-1 +power ok  console none in [0-9]+ s  network ok .* -> check the console wiring" \
  "$tmp/stdout" || fail "pi4b-1's loose console not named"
! grep -q "^pi5-1" "$tmp/stdout" || fail "--board checked a board not named"
assert_nothing_left
