#!/usr/bin/env bash
# `ctest -j 2` never hands one board to two tests: a small CMake project
# registers suites with pitest_add_suite() on a lab of 2 boards (ctest
# resources), runs them two at a time, and the timelines must show that
# every test drove exactly the boards ctest gave it, that no board was
# driven by two tests at overlapping times, and that tests of the two
# suites did run side by side (else nothing was shown).
. "$(dirname "$0")/common.sh"
for p in cmake ctest python3; do
  command -v "$p" >/dev/null || { echo "skipped: $p missing"; exit 77; }
done
lab="$PITEST_SOURCE_DIR/tests/config/labs/two-boards.yaml"
proj="$tmp/proj"
mkdir -p "$proj"

# What ctest gave each test, recorded apart from pitest (which must not be
# trusted to say what it was given): next to the test's events file.
cat > "$proj/record-env.sh" <<'EOF'
events= prev=
for a in "$@"; do [ "$prev" = --events ] && events=$a; prev=$a; done
env | grep '^CTEST_RESOURCE_' | sort > "$events.ctest-env"
exec "$@"
EOF
# dhcp-phase cases on one board, full-boot on one, and one test on both.
# Declared alternately so that the first two to start are of two suites.
cat > "$proj/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.18)
project(pitest_ctest_check NONE)
enable_testing()
set(PITEST_EXECUTABLE "$PITEST_BIN")
set(PITEST_SUITE_LAUNCHER sh "$proj/record-env.sh")
include("$PITEST_SOURCE_DIR/cmake/PitestSuite.cmake")
pitest_add_suite(NAME dhcp_reserved SUITE dhcp-phase LAB "$lab" BOARDS 1 TIMEOUT 120
                 ARGS --case reserved-address-and-pxe-hint)
pitest_add_suite(NAME boot_a SUITE full-boot LAB "$lab" BOARDS 1 TIMEOUT 120)
pitest_add_suite(NAME dhcp_dropped_offer SUITE dhcp-phase LAB "$lab" BOARDS 1 TIMEOUT 120
                 ARGS --case dropped-offer-is-retried)
pitest_add_suite(NAME boot_b SUITE full-boot LAB "$lab" BOARDS 1 TIMEOUT 120)
pitest_add_suite(NAME dhcp_both SUITE dhcp-phase LAB "$lab" BOARDS 2 TIMEOUT 120
                 ARGS --case reserved-address-and-pxe-hint)
EOF
cmake -S "$proj" -B "$proj/build" > "$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log" >&2; fail "cmake failed"; }
grep -q 'CTEST_RESOURCE_SPEC_FILE' "$proj/build/CTestTestfile.cmake" \
  || fail "pitest_add_suite did not set CTEST_RESOURCE_SPEC_FILE"
set +e
# A plain `ctest -j 2`: the spec must come from the build tree.
(cd "$proj/build" && TMPDIR="$tmp/t" ctest -j 2 --output-on-failure) > "$tmp/ctest.log" 2>&1
rc=$?
set -e
cat "$tmp/ctest.log"

# The timelines are judged even when a test failed: a failure may come from
# two tests driving one board.
set +e
python3 - "$proj/build/pitest-reports" dhcp_reserved:1 boot_a:1 dhcp_dropped_offer:1 boot_b:1 dhcp_both:2 <<'EOF'
import json, re, sys
out, tests = sys.argv[1], [a.split(":") for a in sys.argv[2:]]
errors = []
def given_boards(name):
    """The boards ctest gave the test, from its environment (ids decoded)."""
    env = dict(l.rstrip("\n").split("=", 1) for l in open(f"{out}/{name}.events.jsonl.ctest-env"))
    boards = set()
    for g in range(int(env.get("CTEST_RESOURCE_GROUP_COUNT", "0"))):
        for entry in env[f"CTEST_RESOURCE_GROUP_{g}_BOARDS"].split(";"):
            rid = re.match(r"id:([a-z0-9_]+),slots:\d+$", entry).group(1)
            boards.add(re.sub(r"_([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), rid))
    return boards
runs = {}
for name, want in tests:
    try:
        given = given_boards(name)
        events = [json.loads(l) for l in open(f"{out}/{name}.events.jsonl")]
    except (OSError, KeyError, AttributeError, ValueError) as e:
        errors.append(f"{name}: no usable environment record or events file: {e!r}")
        continue
    if len(given) != int(want):
        errors.append(f"{name}: ctest gave {sorted(given)}, want {want} board(s)")
    anchor = [e for e in events if e["event"] == "ctest.boards"]
    if len(anchor) != 1:
        errors.append(f"{name}: {len(anchor)} ctest.boards events, want 1")
        continue
    epoch = float(anchor[0]["epoch"])
    said = set(anchor[0]["boards"].split(","))
    if said != given:
        errors.append(f"{name}: pitest says ctest gave {sorted(said)}, ctest gave {sorted(given)}")
    spans = {}
    for e in events:
        if e["board"]:
            t = epoch + e["t"]
            lo, hi = spans.get(e["board"], (t, t))
            spans[e["board"]] = (min(lo, t), max(hi, t))
    if set(spans) != given:
        errors.append(f"{name}: drove {sorted(spans)}, but ctest gave it {sorted(given)}")
    runs[name] = (epoch, epoch + max(e["t"] for e in events), spans)
names = [n for n, _ in tests if n in runs]
for i, a in enumerate(names):
    for b in names[i + 1:]:
        for board in set(runs[a][2]) & set(runs[b][2]):
            (a0, a1), (b0, b1) = runs[a][2][board], runs[b][2][board]
            if a0 <= b1 and b0 <= a1:
                errors.append(f"{board} driven by {a} ({a0:.3f}-{a1:.3f}) and {b} "
                              f"({b0:.3f}-{b1:.3f}) at the same time")
overlap = [(a, b) for a in names if a.startswith("dhcp") for b in names if b.startswith("boot")
           if runs[a][0] < runs[b][1] and runs[b][0] < runs[a][1]]
if not overlap:
    errors.append("no dhcp-phase test ran beside a full-boot test: nothing shown")
t0 = min((r[0] for r in runs.values()), default=0)
for n in names:
    print(f"{n:20s} {runs[n][0] - t0:7.3f}-{runs[n][1] - t0:7.3f}s  " +
          ", ".join(f"{b} {s - t0:.3f}-{e - t0:.3f}" for b, (s, e) in sorted(runs[n][2].items())))
print("side by side:", ", ".join(f"{a}+{b}" for a, b in overlap))
if errors:
    sys.exit("FAIL: " + "\nFAIL: ".join(errors))
EOF
judged=$?
set -e
[ $judged -eq 0 ] || fail "the timelines show the boards were not shared out (above)"
[ $rc -eq 0 ] || fail "ctest -j 2 exited $rc"
# Nothing of these runs is left: no board process started under their
# TMPDIR (common.sh's our_boards) and no lab links in the host's namespace.
assert_nothing_left
echo "ctest -j 2: 5 tests on 2 boards, no board shared at once"
