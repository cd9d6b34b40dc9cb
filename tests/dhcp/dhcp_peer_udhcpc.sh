#!/usr/bin/env bash
# busybox udhcpc, as a Pi-like PXE client (vendor class, options 93/94,
# asking for 43), gets its reservation and dnsmasq's exact option 43 from
# our server; then the same client against dnsmasq, and the bytes compared.
set -u
. "$(dirname "$0")/netns_lib.sh"
WANT43=0601030a0400505845091400001152617370626572727920506920426f6f74ff

lab_up be:27:eb:15:e4:ef
start_driver --lease-file "$TMP/leases"
out=$(run_udhcpc) || { cat "$TMP/udhcpc.err"; die "udhcpc got no lease from pitest"; }
echo "pitest: $out" | tr '\n' ' '; echo
ours43=$(sed -n 's/^opt43=//p' <<<"$out")
grep -qx "ip=192.168.1.100" <<<"$out" || die "not the reserved address"
grep -qx "serverid=192.168.1.1" <<<"$out" || die "server id"
grep -qx "siaddr=192.168.1.1" <<<"$out" || die "siaddr"
[ "$ours43" = "$WANT43" ] || die "option 43 is '$ours43', want $WANT43"
# The events the driver printed tell the same story.
wait_for "$TMP/events.jsonl" '"event":"dhcp.ack"' || die "no dhcp.ack event"
grep '"event":"dhcp.discover"' "$TMP/events.jsonl" | grep -q '"vendor":"PXEClient:Arch:00000:UNDI:002001"' \
	|| die "discover event without vendor class"
grep '"event":"dhcp.offer"' "$TMP/events.jsonl" | grep -q '"pxe":"Raspberry Pi Boot"' \
	|| die "offer event without pxe text"
grep '"event":"dhcp.ack"' "$TMP/events.jsonl" | grep -q '"board":"pi-test"' || die "ack not attributed"
stop_pid "$DRIVER_PID"
grep -q "192.168.1.100 be:27:eb:15:e4:ef" "$TMP/leases" || die "lease not saved on exit"

# A delay fault holds the OFFER back in the glue (its own timer) and still sends it.
: >"$TMP/events.jsonl"
start_driver --delay-offer 1.5
t0=$(date +%s%N)
out=$(run_udhcpc) || { cat "$TMP/udhcpc.err"; die "no lease with a delayed offer"; }
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
grep -qx "ip=192.168.1.100" <<<"$out" || die "delayed offer: wrong address"
grep -q '"event":"fault.applied"' "$TMP/events.jsonl" || die "no fault.applied event"
[ "$ms" -ge 1400 ] || die "offer not delayed (lease after ${ms} ms)"
echo "delayed offer: lease after ${ms} ms"
stop_pid "$DRIVER_PID"

# The same client against dnsmasq: option 43 must be byte-identical.
start_dnsmasq
out=$(run_udhcpc) || { cat "$TMP/udhcpc.err" "$TMP/dnsmasq.log"; die "udhcpc got no lease from dnsmasq"; }
echo "dnsmasq: $out" | tr '\n' ' '; echo
theirs43=$(sed -n 's/^opt43=//p' <<<"$out")
grep -qx "ip=192.168.1.100" <<<"$out" || die "dnsmasq did not give the reservation (test setup)"
[ "$ours43" = "$theirs43" ] || die "option 43 differs: pitest $ours43, dnsmasq $theirs43"
stop_pid "$DNSMASQ_PID"
echo "PASS: option 43 identical to dnsmasq ($ours43)"
