# shellcheck shell=bash
# netns_pair.sh - sourced by peer tests: two network namespaces ($NS_S for
# the server, $NS_C for the client) joined by one veth ($SIF / $CIF), a temp
# dir $TMP, and background processes started with bg_in. Everything is
# removed on any exit, including processes a server forked in its namespace.
# Set PAIR_TAG (e.g. "dhcp") before sourcing; names then are pt-<tag>s-PID.

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
for tool in ip ethtool; do command -v "$tool" >/dev/null || skip "$tool missing"; done

ID=$$
NS_S=pt-${PAIR_TAG:?set PAIR_TAG}s-$ID
NS_C=pt-${PAIR_TAG}c-$ID
SIF=pts$ID
CIF=ptc$ID
TMP=$(mktemp -d "/tmp/pitest-$PAIR_TAG-XXXXXX")
PIDS=()

kill_ns_pids() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null) || return 0
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	return 0
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	kill_ns_pids "$NS_S"
	kill_ns_pids "$NS_C"
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ins() { ip netns exec "$NS_S" "$@"; }
inc() { ip netns exec "$NS_C" "$@"; }

# Starts a command in the background (its pid in $LAST_PID, killed on exit).
bg_in() {
	local ns=$1; shift
	ip netns exec "$ns" "$@" &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# Makes both namespaces and the veth between them, loopbacks and both ends
# up, the server end at SERVER_CIDR. Raw-socket clients drop packets whose
# checksum the veth left to offload, so tx offload is off on both ends.
pair_up() {
	local server_cidr=$1
	ip netns add "$NS_S" || die "netns add"
	ip netns add "$NS_C" || die "netns add"
	ip link add "$SIF" type veth peer name "$CIF" || die "veth"
	ip link set "$SIF" netns "$NS_S"
	ip link set "$CIF" netns "$NS_C"
	ins ip link set lo up
	inc ip link set lo up
	ins ip addr add "$server_cidr" dev "$SIF"
	ins ethtool -K "$SIF" tx off >/dev/null
	inc ethtool -K "$CIF" tx off >/dev/null
}
