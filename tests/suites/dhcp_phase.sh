#!/usr/bin/env bash
# The acceptance run: every case of dhcp-phase on every board of the
# virtual lab passes, with a schema-valid JUnit report and an events file.
. "$(dirname "$0")/common.sh"
lab="$PITEST_SOURCE_DIR/fixtures/labs/virtual.yaml"
boards=$(grep -cE '^\s*- *\{? *name:' "$lab" || true)
[ "$boards" -ge 5 ] || fail "virtual lab lists $boards boards, want >= 5"
cases=$(grep -cE '^  - name:' "$PITEST_SOURCE_DIR/suites/dhcp-phase.yaml")

set +e
"$PITEST_BIN" --suite dhcp-phase --lab "$lab" --junit "$tmp/out.xml" --events "$tmp/events.jsonl" -q > "$tmp/stdout" 2> "$tmp/stderr"
rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 0 ] || { cat "$tmp/stderr" >&2; fail "pitest exited $rc"; }
xmllint --noout --schema "$PITEST_SOURCE_DIR/tests/config/junit.xsd" "$tmp/out.xml"
n=$(xmllint --xpath 'count(//testcase)' "$tmp/out.xml")
f=$(xmllint --xpath 'count(//testcase[failure])' "$tmp/out.xml")
[ "$n" -eq $((cases * boards)) ] || fail "JUnit has $n testcases, want $cases cases x $boards boards"
[ "$f" -eq 0 ] || fail "$f failures in the report"
[ "$cases" -ge 7 ] || fail "only $cases cases"
for e in power.on dhcp.discover dhcp.offer dhcp.request dhcp.ack dhcp.nak fault.applied console.line; do
  grep -q "\"event\":\"$e\"" "$tmp/events.jsonl" || fail "no $e event in the events file"
done
assert_nothing_left
echo "dhcp-phase: $n testcases passed"
