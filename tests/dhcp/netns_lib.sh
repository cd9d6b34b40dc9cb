# netns_lib.sh - sourced by the DHCP peer tests: a server namespace and a
# client namespace joined by one veth pair, cleaned up on any exit.
# Server end: $SIF with 192.168.1.1/24 in $NS_S; client end: $CIF (no
# address) in $NS_C. Every process started with bg_in is killed on exit.

PAIR_TAG=dhcp
. "$(dirname "${BASH_SOURCE[0]}")/../lib/netns_pair.sh"
[ -n "${DHCP_DRIVER:-}" ] && [ -x "$DHCP_DRIVER" ] || skip "DHCP_DRIVER not built"

lab_up() {
	local mac=${1:-be:27:eb:15:e4:ef}
	pair_up 192.168.1.1/24
	inc ip link set "$CIF" address "$mac"
	ins ip link set "$SIF" up
	inc ip link set "$CIF" up
	for ns in "$NS_S" "$NS_C"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.default.rp_filter=0
	done
	inc sysctl -qw "net.ipv4.conf.$CIF.rp_filter=0"
}

set_client_mac() {
	inc ip link set "$CIF" down
	inc ip link set "$CIF" address "$1"
	inc ip link set "$CIF" up
}

# Waits until the file has a line matching the pattern (bounded).
wait_for() {
	local file=$1 pattern=$2 i
	for i in $(seq 1 50); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Starts our server: args after the standard ones are passed on.
start_driver() {
	bg_in "$NS_S" "$DHCP_DRIVER" --iface "$SIF" --range 192.168.1.50-192.168.1.150 \
		--host be:27:eb:15:e4:ef,192.168.1.100,3600,pi-test --pxe "Raspberry Pi Boot" \
		"$@" >>"$TMP/events.jsonl" 2>>"$TMP/driver.err"
	DRIVER_PID=$LAST_PID
	wait_for "$TMP/driver.err" "serving on" || { cat "$TMP/driver.err"; die "driver did not start"; }
}

start_dnsmasq() {
	command -v dnsmasq >/dev/null || skip "dnsmasq missing"
	bg_in "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root \
		--interface="$SIF" --bind-interfaces --no-ping \
		--dhcp-range=192.168.1.50,192.168.1.150,12h \
		--dhcp-host=be:27:eb:15:e4:ef,192.168.1.100,1h \
		--pxe-service=0,"Raspberry Pi Boot" \
		--dhcp-leasefile="$TMP/dnsmasq.leases" --pid-file="$TMP/dnsmasq.pid" \
		--log-facility="$TMP/dnsmasq.log" --log-dhcp 2>>"$TMP/dnsmasq.err"
	DNSMASQ_PID=$LAST_PID
	wait_for "$TMP/dnsmasq.log" "DHCP, IP range" || { cat "$TMP/dnsmasq.log"; die "dnsmasq did not start"; }
}

# busybox udhcpc as a Pi-like PXE client; prints KEY=VALUE lines of the lease.
UDHCPC_SCRIPT=
run_udhcpc() {
	command -v busybox >/dev/null || skip "busybox missing"
	if [ -z "$UDHCPC_SCRIPT" ]; then
		UDHCPC_SCRIPT=$TMP/udhcpc.sh
		cat >"$UDHCPC_SCRIPT" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] || exit 0
echo "ip=$ip"
echo "subnet=$subnet"
echo "serverid=$serverid"
echo "siaddr=$siaddr"
echo "opt43=$opt43"
echo "opt60=$opt60"
echo "lease=$lease"
SCRIPT
		chmod +x "$UDHCPC_SCRIPT"
	fi
	inc timeout 30 busybox udhcpc -f -q -n -t 5 -T 2 -i "$CIF" \
		-V "PXEClient:Arch:00000:UNDI:002001" -x 0x5d:0000 -x 0x5e:010201 -O 43 \
		-s "$UDHCPC_SCRIPT" 2>>"$TMP/udhcpc.err"
}
