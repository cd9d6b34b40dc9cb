#!/usr/bin/env bash
# The TFTP acceptance run: every case of tftp-phase on every board it names
# passes on the virtual lab (pitest's own DHCP and TFTP servers, a boot tree
# generated for the run), with a schema-valid JUnit report, every kind of
# TFTP event in the events file, and the generated tree removed afterwards.
. "$(dirname "$0")/common.sh"
lab="$PITEST_SOURCE_DIR/fixtures/labs/virtual.yaml"
mkdir -p "$tmp/t"

set +e
TMPDIR="$tmp/t" "$PITEST_BIN" --suite tftp-phase --lab "$lab" --junit "$tmp/out.xml" \
  --events "$tmp/events.jsonl" -q > "$tmp/stdout" 2> "$tmp/stderr"
rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 0 ] || { cat "$tmp/stderr" >&2; fail "pitest exited $rc"; }
xmllint --noout --schema "$PITEST_SOURCE_DIR/tests/config/junit.xsd" "$tmp/out.xml"
n=$(xmllint --xpath 'count(//testcase)' "$tmp/out.xml")
f=$(xmllint --xpath 'count(//testcase[failure])' "$tmp/out.xml")
passed=$(grep -c '^PASS ' "$tmp/stdout" || true)
[ "$f" -eq 0 ] || fail "$f failures in the report"
[ "$n" -eq "$passed" ] || fail "JUnit has $n testcases, the run printed $passed"
[ "$n" -ge 40 ] || fail "only $n testcases (10 cases over the lab's boards give 40)"
for e in tftp.rrq tftp.oack tftp.probe tftp.done tftp.error fault.applied vpi.exit; do
  grep -q "\"event\":\"$e\"" "$tmp/events.jsonl" || fail "no $e event in the events file"
done
# Each model fetched its own kernel, attributed to its board.
for pair in pi2-1:kernel7.img pi3b-1:kernel8.img pi3bplus-1:kernel8.img pi4b-1:kernel8.img pi5-1:kernel_2712.img; do
  grep -q "\"board\":\"${pair%%:*}\",\"event\":\"tftp.done\",\"file\":\"[0-9a-f/]*${pair#*:}\"" "$tmp/events.jsonl" \
    || fail "no tftp.done of ${pair#*:} for ${pair%%:*}"
done
[ -z "$(ls -A "$tmp/t")" ] || fail "the generated boot tree was left behind: $(ls "$tmp/t")"
assert_nothing_left
echo "tftp-phase: $n testcases passed"
