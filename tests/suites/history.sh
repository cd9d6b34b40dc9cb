#!/usr/bin/env bash
# --history keeps one JSON file per run; --baseline fails a run whose phase
# p50 got slower than the baseline's by more than --max-slowdown plus
# --slack, naming each such phase; `pitest compare` does the same offline.
. "$(dirname "$0")/common.sh"
h="$tmp/history"
run() { # run N [options...]: full-boot on one board into $tmp/runN.out, sets rc
  local n=$1; shift
  set +e
  "$PITEST_BIN" --suite full-boot --board pi4b-1 -q "$@" > "$tmp/run$n.out" 2>&1
  rc=$?
  set -e
  cat "$tmp/run$n.out"
}

run 1 --history "$h"
[ $rc -eq 0 ] || fail "run 1 exited $rc"
files=("$h"/*.json)
[ ${#files[@]} -eq 1 ] || fail "want 1 history file, found ${#files[@]}"
first=${files[0]}
[[ "$(basename "$first")" =~ ^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-full-boot-virtual\.json$ ]] \
  || fail "history file name: $first"
grep -q "^history: $first\$" "$tmp/run1.out" || fail "run 1 does not name its history file"

# The file holds the run: suite, lab, one passed testcase with every phase.
python3 - "$first" <<'PY' || fail "history file content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "pitest-history/1" and d["suite"] == "full-boot" and d["lab"] == "virtual", d
assert d["started"].endswith("Z") and d["pitest_version"], d
[t] = d["testcases"]
assert (t["case"], t["board"], t["model"], t["repetition"], t["verdict"]) == \
    ("power-on-to-login", "pi4b-1", "pi4b", 1, "pass"), t
assert t["failure_class"] is None and t["time"] > 0, t
want = ["boot-dhcp", "firmware", "kernel-dhcp", "nfs-root", "init", "userland"]
assert list(t["phases"]) == want and all(v >= 0 for v in t["phases"].values()), t["phases"]
PY

# A baseline four times faster than run 1: run 2 must fail on exactly the
# phases the rule (p50 > baseline x 1.25 + 0.2 s) says, and only on them.
python3 - "$first" "$tmp/fast.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["testcases"]:
    t["phases"] = {k: v / 4 for k, v in t["phases"].items()}
json.dump(d, open(sys.argv[2], "w"))
PY
run 2 --history "$h" --baseline "$tmp/fast.json"
[ $rc -eq 1 ] || fail "run 2 against a faster baseline exited $rc, want 1"
grep -q '^1 passed, 0 failed$' "$tmp/run2.out" || fail "run 2's case should still pass"
files=("$h"/*.json)
[ ${#files[@]} -eq 2 ] || fail "want 2 history files, found ${#files[@]}"
second=${files[1]}
[ "$second" != "$first" ] || fail "run 2 did not add a file"
python3 - "$tmp/fast.json" "$second" "$tmp/run2.out" <<'PY' || fail "slower phases reported wrong"
import json, sys
base = json.load(open(sys.argv[1]))["testcases"][0]["phases"]
cur = json.load(open(sys.argv[2]))["testcases"][0]["phases"]
want = [p for p in cur if p in base and cur[p] > base[p] * 1.25 + 0.2]
got = [l.split()[2] for l in open(sys.argv[3]) if l.startswith("slower: ")]
print("expected slower:", want, "reported:", got)
assert want, "the fast baseline makes no phase slower: the check would prove nothing"
assert got == want, (got, want)
for l in open(sys.argv[3]):
    if l.startswith("slower: "):
        assert " of power-on-to-login on pi4b: p50 " in l and ", baseline " in l and "budget 1.25" in l, l
PY
grep -q "^compared with the baseline $tmp/fast.json: [1-9][0-9]* phases\? slower\$" "$tmp/run2.out" \
  || fail "no comparison summary line"

# The unchanged baseline (the directory: its newest file, run 2) passes a
# run with limits loose enough for a loaded machine; so does the offline
# comparison of the two runs.
run 3 --baseline "$h" --max-slowdown 4 --slack 2
[ $rc -eq 0 ] || fail "run 3 against an unchanged baseline exited $rc"
grep -q "^compared with the baseline $second: 0 phases slower\$" "$tmp/run3.out" || fail "run 3 compared with the wrong baseline"
[ "$(ls "$h" | wc -l)" -eq 2 ] || fail "run 3 wrote history without --history"
set +e
"$PITEST_BIN" compare "$first" "$second" --max-slowdown 4 --slack 2 > "$tmp/cmp.out" 2>&1; rc=$?
set -e
cat "$tmp/cmp.out"
[ $rc -eq 0 ] || fail "compare of two runs exited $rc"

# Offline: the fast baseline fails, and a budget fails even the same file.
set +e
"$PITEST_BIN" compare "$tmp/fast.json" "$second" > "$tmp/cmp.out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -q '^slower: phase .* of power-on-to-login on pi4b: ' "$tmp/cmp.out" \
  || { cat "$tmp/cmp.out"; fail "compare against the fast baseline exited $rc"; }
set +e
"$PITEST_BIN" compare "$second" "$second" --budget firmware=0.001 > "$tmp/cmp.out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -q '^slower: phase firmware of power-on-to-login on pi4b: p50 [0-9.]* s, over its budget of 0.00 s$' "$tmp/cmp.out" \
  || { cat "$tmp/cmp.out"; fail "a budget did not fail the comparison (exit $rc)"; }

# A baseline that is not a history file is a usage error before anything runs.
echo '{"format": "pitest-history/1", "suite": 1}' > "$tmp/bad.json"
run 4 --baseline "$tmp/bad.json"
[ $rc -eq 2 ] && grep -q 'bad.json: "suite": expected a string' "$tmp/run4.out" || fail "bad baseline: exit $rc"
grep -q '^PASS' "$tmp/run4.out" && fail "a run with a bad baseline ran anyway"
assert_nothing_left
echo "history: 2 files kept, slower phases named, unchanged baseline passes"
