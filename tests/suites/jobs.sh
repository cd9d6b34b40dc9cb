#!/usr/bin/env bash
# --jobs 2 on the five boards of the virtual lab: every board boots, never
# more than two are powered at once (from the power.on/power.off events of
# the timeline), and two do run together; --progress off a terminal prints a
# plain line per phase change. A bad --jobs is a usage error.
. "$(dirname "$0")/common.sh"
set +e
"$PITEST_BIN" --suite full-boot --jobs 0 >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--jobs wants" "$tmp/err" || fail "--jobs 0: exit $rc, $(cat "$tmp/err")"
"$PITEST_BIN" --suite full-boot --jobs 2 --progress --junit "$tmp/out.xml" \
  --events "$tmp/events.jsonl" -q > "$tmp/stdout" || { cat "$tmp/stdout"; fail "pitest failed"; }
n=$(grep -c '^PASS ' "$tmp/stdout" || true)
[ "$n" -eq 5 ] || fail "$n boards passed, want 5"
# progress lines: every board waits for a slot or starts, and goes through the firmware phase
for b in pi2-1 pi3b-1 pi3bplus-1 pi4b-1 pi5-1; do
  grep -Eq "^progress $b +firmware " "$tmp/stdout" || fail "no progress line of $b in its firmware phase"
done
grep -Eq "^progress [^ ]+ +waiting " "$tmp/stdout" || fail "no board shown waiting for a --jobs slot"
! grep -q $'\033' "$tmp/stdout" || fail "terminal escapes in plain output"
python3 - "$tmp/events.jsonl" <<'PY'
import json, sys
powered, most, changes = set(), 0, []
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "power.on":
        powered.add(e["board"])
    elif e["event"] == "power.off":
        powered.discard(e["board"])
    else:
        continue
    most = max(most, len(powered))
    changes.append(len(powered))
if most > 2:
    sys.exit("FAIL: %d boards powered at once under --jobs 2" % most)
if most < 2:
    sys.exit("FAIL: never two boards at once: --jobs 2 ran them one by one")
print("at most %d boards powered at once (%d power events)" % (most, len(changes)))
PY
assert_nothing_left
