#!/usr/bin/env bash
# The whole boot on every board of the virtual lab: power-on to login, with
# each testcase carrying its six phase durations as JUnit properties and
# the event log a phase.end for each.
. "$(dirname "$0")/common.sh"
run_suite_on_virtual_lab full-boot 5
assert_events phase.end dhcp.ack tftp.done nfs.mount console.line
for ph in boot-dhcp firmware kernel-dhcp nfs-root init userland; do
  c=$(xmllint --xpath "count(//testcase/properties/property[@name='phase.$ph'])" "$tmp/out.xml")
  [ "$c" -eq "$n" ] || fail "phase.$ph is a property of $c testcases, want $n"
  e=$(grep -c "\"event\":\"phase.end\",\"phase\":\"$ph\"" "$tmp/events.jsonl" || true)
  [ "$e" -eq "$n" ] || fail "$e phase.end events for $ph, want $n"
done
# The phases add up to no more than the testcase's time.
xmllint --xpath '//testcase' "$tmp/out.xml" | python3 -c '
import sys, xml.dom.minidom as m
d = m.parseString("<r>" + sys.stdin.read() + "</r>")
for tc in d.getElementsByTagName("testcase"):
    total = sum(float(p.getAttribute("value")) for p in tc.getElementsByTagName("property"))
    if total > float(tc.getAttribute("time")) + 0.01:
        sys.exit("phases of %s add up to %.3f s, more than its %s s" % (tc.getAttribute("classname"), total, tc.getAttribute("time")))
'
assert_nothing_left
echo "full-boot: $n boards from power-on to login"
