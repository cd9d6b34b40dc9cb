#!/usr/bin/env bash
# ISC dhclient, configured to look like a Pi (vendor class, pxe-arch 0,
# UNDI 2.1) and asking for vendor-encapsulated-options, gets its
# reservation and dnsmasq's option 43 bytes from our server, and the same
# bytes from dnsmasq in the same run.
set -u
. "$(dirname "$0")/netns_lib.sh"
command -v dhclient >/dev/null || skip "dhclient missing"
WANT43=0601030a0400505845091400001152617370626572727920506920426f6f74ff

cat >"$TMP/dhclient.conf" <<'CONF'
option pxe-arch code 93 = unsigned integer 16;
option pxe-undi code 94 = string;
send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";
send pxe-arch 0;
send pxe-undi 1:2:1;
request subnet-mask, broadcast-address, routers, vendor-encapsulated-options;
timeout 20;
retry 1;
CONF
cat >"$TMP/dhclient.sh" <<'SCRIPT'
#!/bin/sh
case "$reason" in BOUND|RENEW|REBIND|REBOOT) ;; *) exit 0 ;; esac
{
echo "ip=$new_ip_address"
echo "serverid=$new_dhcp_server_identifier"
echo "opt43=$new_vendor_encapsulated_options"
} >"$OUT"
exit 0
SCRIPT
chmod +x "$TMP/dhclient.sh"

# dhclient prints string options as colon-separated hex without leading
# zeros ("6:1:3:a:...") or, when printable, quoted: normalise to plain hex.
norm43() {
	local v=$1 out= b
	case "$v" in
	*:*) for b in ${v//:/ }; do out+=$(printf '%02x' "0x$b"); done ;;
	*) out=$v ;;
	esac
	echo "$out"
}

run_dhclient() { # $1 = output file
	: >"$1"
	inc timeout 40 dhclient -4 -1 -v -e OUT="$1" -cf "$TMP/dhclient.conf" -sf "$TMP/dhclient.sh" \
		-lf "$TMP/dhclient.leases" -pf "$TMP/dhclient.pid" "$CIF" >>"$TMP/dhclient.err" 2>&1
	local rc=$?
	inc dhclient -x -pf "$TMP/dhclient.pid" -lf "$TMP/dhclient.leases" "$CIF" >/dev/null 2>&1
	# -x releases nothing with a stale pid file; make sure it is gone.
	[ -f "$TMP/dhclient.pid" ] && kill "$(cat "$TMP/dhclient.pid")" 2>/dev/null
	rm -f "$TMP/dhclient.leases" "$TMP/dhclient.pid"
	return $rc
}

lab_up be:27:eb:15:e4:ef
start_driver
run_dhclient "$TMP/ours" || { cat "$TMP/dhclient.err"; die "dhclient got no lease from pitest"; }
cat "$TMP/ours"
grep -qx "ip=192.168.1.100" "$TMP/ours" || die "not the reserved address"
grep -qx "serverid=192.168.1.1" "$TMP/ours" || die "server id"
ours43=$(norm43 "$(sed -n 's/^opt43=//p' "$TMP/ours")")
[ "$ours43" = "$WANT43" ] || die "option 43 is '$ours43', want $WANT43"
wait_for "$TMP/events.jsonl" '"event":"dhcp.ack"' || die "no dhcp.ack event"
stop_pid "$DRIVER_PID"

start_dnsmasq
run_dhclient "$TMP/theirs" || { cat "$TMP/dhclient.err" "$TMP/dnsmasq.log"; die "dhclient got no lease from dnsmasq"; }
cat "$TMP/theirs"
theirs43=$(norm43 "$(sed -n 's/^opt43=//p' "$TMP/theirs")")
grep -qx "ip=192.168.1.100" "$TMP/theirs" || die "dnsmasq did not give the reservation (test setup)"
[ "$ours43" = "$theirs43" ] || die "option 43 differs: pitest $ours43, dnsmasq $theirs43"
stop_pid "$DNSMASQ_PID"
echo "PASS: dhclient got 192.168.1.100 and option 43 identical to dnsmasq ($ours43)"
