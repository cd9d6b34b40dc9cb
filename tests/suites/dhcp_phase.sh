#!/usr/bin/env bash
# The acceptance run: every case of dhcp-phase on every board of the
# virtual lab passes, with a schema-valid JUnit report and an events file.
. "$(dirname "$0")/common.sh"
lab="$PITEST_SOURCE_DIR/fixtures/labs/virtual.yaml"
boards=$(grep -cE '^\s*- *\{? *name:' "$lab" || true)
[ "$boards" -ge 5 ] || fail "virtual lab lists $boards boards, want >= 5"
cases=$(grep -cE '^  - name:' "$PITEST_SOURCE_DIR/suites/dhcp-phase.yaml")
[ "$cases" -ge 7 ] || fail "only $cases cases"
run_suite_on_virtual_lab dhcp-phase $((cases * boards))
[ "$n" -eq $((cases * boards)) ] || fail "JUnit has $n testcases, want $cases cases x $boards boards"
assert_events power.on dhcp.discover dhcp.offer dhcp.request dhcp.ack dhcp.nak fault.applied console.line
assert_nothing_left
echo "dhcp-phase: $n testcases passed"
