#!/usr/bin/env bash
# dhcp-perfdhcp.sh - DORA rate of pitest's DHCP server against dnsmasq, both
# driven by perfdhcp (package kea-admin) from another network namespace.
#
# perfdhcp acts as a relay: it sets giaddr to its own address and listens on
# port 67, so it cannot share a namespace with a server. Layout:
#   pb-srv-PID: veth 10.77.0.1/16, runs the server under test
#   pb-cli-PID: veth 10.77.0.2/16, runs perfdhcp -l IF ... 10.77.0.1
# Both servers get a 10.77.1.0-10.77.255.254 range (~65k addresses), so
# CLIENTS distinct MACs never exhaust it.
#
# Usage: bench/dhcp-perfdhcp.sh [PITEST]
#   PITEST   the pitest binary of a Release build, run as `pitest serve`
#            (default: $PITEST_BUILD_DIR/pitest, build-rel/pitest, build/pitest)
# Environment: RATES (target exchanges/s to try, "5000 10000 15000 20000"),
#   CLIENTS (distinct MACs, 20000), PERIOD (seconds per run, 10), EVENTS
#   (1: `pitest serve --events /dev/null` writes every event as JSON Lines;
#   0: events are only kept in memory).
# Each server is started fresh for each rate. Prints the 4-way
# (DISCOVER->ACK) rate reached per target rate, the best of each server and
# their ratio. A server driven past its capacity may fall far below it
# (dnsmasq does), hence several rates and the best of each.
set -u

RATES=${RATES:-5000 10000 15000 20000}
CLIENTS=${CLIENTS:-20000}
PERIOD=${PERIOD:-10}
EVENTS=${EVENTS:-1}
HERE=$(cd "$(dirname "$0")/.." && pwd)

PITEST=${1:-}
if [ -z "$PITEST" ]; then
	for d in "${PITEST_BUILD_DIR:-}" "$HERE/build-rel" "$HERE/build"; do
		[ -n "$d" ] && [ -x "$d/pitest" ] && { PITEST=$d/pitest; break; }
	done
fi
[ -n "$PITEST" ] && [ -x "$PITEST" ] || { echo "pitest binary not found; pass its path" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }
for t in perfdhcp dnsmasq ip ethtool; do
	command -v "$t" >/dev/null || { echo "$t missing (scripts/install-deps.sh)" >&2; exit 2; }
done

NS_S=pb-srv-$$
NS_C=pb-cli-$$
SIF=pbs$$
CIF=pbc$$
TMP=$(mktemp -d /tmp/pitest-bench-dhcp-XXXXXX)
SERVER_PID=

cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS_S" && ip netns add "$NS_C" || exit 1
ip link add "$SIF" type veth peer name "$CIF" || exit 1
ip link set "$SIF" netns "$NS_S"
ip link set "$CIF" netns "$NS_C"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" addr add 10.77.0.1/16 dev "$SIF"
ip -n "$NS_C" addr add 10.77.0.2/16 dev "$CIF"
ip -n "$NS_S" link set "$SIF" up
ip -n "$NS_C" link set "$CIF" up
ip netns exec "$NS_S" ethtool -K "$SIF" tx off >/dev/null
ip netns exec "$NS_C" ethtool -K "$CIF" tx off >/dev/null
sleep 1 # let the veth settle (carrier, DAD) before perfdhcp starts

wait_udp67() { # until something listens on 67 in the server namespace
	local i
	for i in $(seq 1 50); do
		ip netns exec "$NS_S" ss -lun 2>/dev/null | grep -q ':67 ' && return 0
		sleep 0.1
	done
	return 1
}

# run_perfdhcp NAME -> prints the 4-way rate; full report in $TMP/NAME.perf
run_perfdhcp() {
	local name=$1
	# -W: wait 1 s after the period for late replies so they are counted.
	ip netns exec "$NS_C" timeout $((PERIOD + 30)) perfdhcp -4 -l "$CIF" -r "$RATE" -R "$CLIENTS" \
		-p "$PERIOD" -W 1000000 10.77.0.1 >"$TMP/$name.perf" 2>&1
	sed -n 's/^Rate: \([0-9.]*\) 4-way exchanges.*/\1/p' "$TMP/$name.perf" | tail -n1
}

start_pitest() {
	cat >"$TMP/lab.yaml" <<-LAB
	lab: bench
	virtual: false
	network: { interface: $SIF, address: 10.77.0.1/16 }
	dhcp: { range: 10.77.1.0-10.77.255.254, lease: 12h, pxe: "Raspberry Pi Boot", answer: any }
	boards:
	  - { name: pi2-seed, model: pi2, mac: "be:27:eb:15:e4:ef", ip: 10.77.0.100, lease: 1h, power: manual, console: none }
	LAB
	local args=(serve --lab "$TMP/lab.yaml" --leases "$TMP/pitest.leases" -q)
	[ "$EVENTS" = 1 ] && args+=(--events /dev/null)
	rm -f "$TMP/pitest.leases"
	ip netns exec "$NS_S" "$PITEST" "${args[@]}" >/dev/null 2>"$TMP/pitest.err" &
	SERVER_PID=$!
}

# no-ping: otherwise dnsmasq pings each new address for ~3 s first;
# dhcp-lease-max: its default of 1000 leases would cap the run
start_dnsmasq() {
	rm -f "$TMP/dnsmasq.leases"
	ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root \
		--interface="$SIF" --bind-interfaces --no-ping --dhcp-range=10.77.1.0,10.77.255.254,12h \
		--dhcp-lease-max=100000 \
		--dhcp-leasefile="$TMP/dnsmasq.leases" --pid-file="$TMP/dnsmasq.pid" \
		--log-facility=/dev/null >/dev/null 2>"$TMP/dnsmasq.err" &
	SERVER_PID=$!
}

# bench NAME RATE -> the 4-way rate reached, from a freshly started server
bench() {
	"start_$1"
	wait_udp67 || { cat "$TMP/$1.err" >&2; echo "$1 did not start" >&2; exit 1; }
	RATE=$2 run_perfdhcp "$1-$2"
	kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
}

echo "perfdhcp: $CLIENTS clients, ${PERIOD}s per run, events=$EVENTS, target rates: $RATES"
best_ours=0 best_theirs=0
printf '%8s %14s %14s\n' target pitest dnsmasq
for r in $RATES; do
	ours=$(bench pitest "$r")
	theirs=$(bench dnsmasq "$r")
	printf '%8s %14s %14s\n' "$r" "${ours:-?}" "${theirs:-?}"
	best_ours=$(awk -v a="${ours:-0}" -v b="$best_ours" 'BEGIN { print (a > b ? a : b) }')
	best_theirs=$(awk -v a="${theirs:-0}" -v b="$best_theirs" 'BEGIN { print (a > b ? a : b) }')
done
echo "best 4-way (DISCOVER->ACK) rate: pitest $best_ours/s, dnsmasq $best_theirs/s"
awk -v a="$best_ours" -v b="$best_theirs" 'BEGIN {
	if (b > 0) printf "ratio: %.2fx dnsmasq\n", a / b; else { print "ratio: n/a"; exit 1 } }'
