#!/usr/bin/env bash
# Good neighbour: an x86 BIOS/iPXE machine sends the same PXE vendor class
# as a Pi. busybox udhcpc posing as one (non-Pi MAC) gets no answer from a
# server that answers only its lab (or only Raspberry Pis), and the server
# says so once in a dhcp.ignored event, not per DISCOVER; the lab's board
# and (answer raspberry-pi) a Pi outside the lab still get their leases.
set -u
. "$(dirname "$0")/netns_lib.sh"
command -v busybox >/dev/null || skip "busybox missing"
PC_MAC=02:1e:06:30:4c:5d

# Three DISCOVERs at most, a second apart; exit 1 without a lease.
try_pxe() {
	inc timeout 15 busybox udhcpc -f -q -n -t 3 -T 1 -i "$CIF" \
		-V "PXEClient:Arch:00000:UNDI:002001" -x 0x5d:0000 -x 0x5e:010201 -O 43 \
		-s /bin/true 2>>"$TMP/udhcpc.err"
}
ignored_lines() { grep -c '"event":"dhcp.ignored"' "$TMP/events.jsonl" || true; }

lab_up "$PC_MAC"
start_driver --answer lab
try_pxe && die "the PC got an answer from a lab-only server"
grep -q '"event":"dhcp.ignored"' "$TMP/events.jsonl" || die "no dhcp.ignored event"
line=$(grep '"event":"dhcp.ignored"' "$TMP/events.jsonl")
echo "$line"
grep -q "\"mac\":\"$PC_MAC\"" <<<"$line" || die "dhcp.ignored without the PC's MAC"
grep -q '"vendor":"PXEClient:Arch:00000:UNDI:002001"' <<<"$line" || die "dhcp.ignored without the vendor class"
grep -q '"reason":"not a board of the lab"' <<<"$line" || die "dhcp.ignored without the reason"
[ "$(ignored_lines)" -eq 1 ] || die "$(ignored_lines) dhcp.ignored events for one PC, want 1"
grep -q '"event":"dhcp.\(discover\|offer\)"' "$TMP/events.jsonl" && die "the PC's DISCOVERs were logged or answered"
try_pxe && die "the PC got an answer the second time"
[ "$(ignored_lines)" -eq 1 ] || die "dhcp.ignored repeated for the same MAC"
# The lab's board is still served.
set_client_mac be:27:eb:15:e4:ef
out=$(run_udhcpc) || die "the lab's board got no lease"
grep -qx "ip=192.168.1.100" <<<"$out" || die "the lab's board did not get its reservation"
stop_pid "$DRIVER_PID"

# answer: raspberry-pi -- the PC still ignored, any Pi answered.
: >"$TMP/events.jsonl"
set_client_mac "$PC_MAC"
start_driver --answer raspberry-pi
try_pxe && die "the PC got an answer from a raspberry-pi server"
grep '"event":"dhcp.ignored"' "$TMP/events.jsonl" | grep -q '"reason":"not a Raspberry Pi"' \
	|| die "no dhcp.ignored 'not a Raspberry Pi'"
set_client_mac d8:3a:dd:01:02:03
out=$(run_udhcpc) || die "a Pi outside the lab got no lease"
grep -q "^ip=192.168.1.\(5[0-9]\|[6-9][0-9]\|1[0-4][0-9]\|150\)$" <<<"$out" || die "not a range address: $out"
grep -q "^opt43=0601030a04" <<<"$out" || die "no PXE hint for the Pi"
stop_pid "$DRIVER_PID"
echo "PASS: the PC was ignored (one event), the lab's board and a Pi were served"
