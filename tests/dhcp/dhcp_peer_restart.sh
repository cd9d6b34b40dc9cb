#!/usr/bin/env bash
# Leases survive a restart: two unknown clients get dynamic addresses,
# the server stops (saving its lease file) and starts again from that file;
# the second client gets the same address again and a third a new one.
set -u
. "$(dirname "$0")/netns_lib.sh"

get_ip() { # $1 = client MAC
	set_client_mac "$1"
	run_udhcpc | sed -n 's/^ip=//p'
}

lab_up 02:00:00:00:00:a1
start_driver --lease-file "$TMP/leases"
ip1=$(get_ip 02:00:00:00:00:a1)
ip2=$(get_ip 02:00:00:00:00:a2)
echo "before restart: a1=$ip1 a2=$ip2"
[ -n "$ip1" ] && [ -n "$ip2" ] && [ "$ip1" != "$ip2" ] || die "no distinct dynamic addresses"
# saved about a second after the change, without waiting for the exit
wait_for "$TMP/leases" "$ip2 02:00:00:00:00:a2" || die "lease file not written while running"
stop_pid "$DRIVER_PID"
grep -q "$ip1 02:00:00:00:00:a1" "$TMP/leases" || die "lease of a1 not saved"

start_driver --lease-file "$TMP/leases"
again=$(get_ip 02:00:00:00:00:a2)
ip3=$(get_ip 02:00:00:00:00:a3)
echo "after restart: a2=$again a3=$ip3"
[ "$again" = "$ip2" ] || die "a2 got $again after the restart, had $ip2"
[ -n "$ip3" ] && [ "$ip3" != "$ip1" ] && [ "$ip3" != "$ip2" ] || die "a3 got a leased address ($ip3)"
stop_pid "$DRIVER_PID"
echo "PASS: lease kept across restart ($ip2)"
