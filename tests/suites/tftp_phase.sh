#!/usr/bin/env bash
# The TFTP acceptance run: every case of tftp-phase on every board it names
# passes on the virtual lab (pitest's own DHCP and TFTP servers, a boot tree
# generated for the run), with a schema-valid JUnit report, every kind of
# TFTP event in the events file, and the generated tree removed afterwards.
. "$(dirname "$0")/common.sh"
# 10 cases over the lab's boards give 40 testcases.
run_suite_on_virtual_lab tftp-phase 40
assert_events tftp.rrq tftp.oack tftp.probe tftp.done tftp.error fault.applied vpi.exit
# Each model fetched its own kernel, attributed to its board.
for pair in pi2-1:kernel7.img pi3b-1:kernel8.img pi3bplus-1:kernel8.img pi4b-1:kernel8.img pi5-1:kernel_2712.img; do
  grep -q "\"board\":\"${pair%%:*}\",\"event\":\"tftp.done\",\"file\":\"[0-9a-f/]*${pair#*:}\"" "$tmp/events.jsonl" \
    || fail "no tftp.done of ${pair#*:} for ${pair%%:*}"
done
[ -z "$(ls -A "$tmp/t")" ] || fail "the generated boot tree was left behind: $(ls "$tmp/t")"
assert_nothing_left
echo "tftp-phase: $n testcases passed"
