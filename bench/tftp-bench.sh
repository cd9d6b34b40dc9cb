#!/usr/bin/env bash
# tftp-bench.sh - TFTP read throughput of pitest's server against tftpd-hpa,
# in the same run, with the same client (atftp) and block size (1468), over
# a veth between two network namespaces; and ours with windowsize 16.
#
#   pb-tftps-PID: veth 10.78.0.1/24, runs the server under test (root on tmpfs)
#   pb-tftpc-PID: veth 10.78.0.2/24, runs the atftp clients (output on tmpfs)
#
# Workloads: one 64 MiB transfer; 32 concurrent 8 MiB transfers (MB/s = all
# bytes / wall time from the first start to the last end). MB = 10^6 bytes.
# Each workload runs REPEAT times per configuration (fresh server each time);
# the best run counts. Every copy is checked (size, and sha256 of the 64 MiB).
#
# Usage: bench/tftp-bench.sh [TFTP_SERVE_DRIVER]
#   the driver of a Release build (default: $PITEST_BUILD_DIR/tests/tftp/...,
#   build-rel/..., build/...); tests must be on to build it:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build-rel tftp_serve_driver
# Environment: REPEAT (3), CLIENTS (32), EVENTS (1: our driver writes every
#   event as a JSON line to /dev/null, the cost a real run pays; 0: none),
#   CONFIGS (subset of "hpa ours ours-w16"), TIMEOUT (seconds per client, 120),
#   PIN (none: the scheduler places everything; same: server and clients on
#   CPU 0; split: server on CPU 0, clients on CPU 1).
# Lock-step TFTP is bound by the wake-up latency between the two ends, which
# on a VM depends much on whether they share a CPU: PIN makes runs repeatable.
set -u

REPEAT=${REPEAT:-3}
CLIENTS=${CLIENTS:-32}
EVENTS=${EVENTS:-1}
CONFIGS=${CONFIGS:-hpa ours ours-w16}
TIMEOUT=${TIMEOUT:-120}
PIN=${PIN:-none}
case $PIN in
none) SRV_CPU=() CLI_CPU=() ;;
same) SRV_CPU=(taskset -c 0) CLI_CPU=(taskset -c 0) ;;
split) SRV_CPU=(taskset -c 0) CLI_CPU=(taskset -c 1) ;;
*) echo "PIN must be none, same or split" >&2; exit 2 ;;
esac
BLKSIZE=1468
HERE=$(cd "$(dirname "$0")/.." && pwd)

DRIVER=${1:-}
if [ -z "$DRIVER" ]; then
	for d in "${PITEST_BUILD_DIR:-}" "$HERE/build-rel" "$HERE/build"; do
		[ -n "$d" ] && [ -x "$d/tests/tftp/tftp_serve_driver" ] && { DRIVER=$d/tests/tftp/tftp_serve_driver; break; }
	done
fi
case " $CONFIGS " in *" ours"*)
	[ -n "$DRIVER" ] && [ -x "$DRIVER" ] || { echo "tftp_serve_driver not found; pass its path" >&2; exit 2; } ;;
esac
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }
for t in atftp in.tftpd ip ethtool sha256sum; do
	command -v "$t" >/dev/null || { echo "$t missing (scripts/install-deps.sh)" >&2; exit 2; }
done

NS_S=pb-tftps-$$
NS_C=pb-tftpc-$$
SIF=pbts$$
CIF=pbtc$$
SRV=10.78.0.1
TMP=$(mktemp -d /dev/shm/pitest-bench-tftp-XXXXXX)
SERVER_PID=
CLIENT_PIDS=()

cleanup() {
	local p
	for p in "${CLIENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	# tftpd-hpa's per-transfer children, if any are left: all ours.
	for ns in "$NS_S" "$NS_C"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	done
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
ip -n "$NS_S" addr add "$SRV/24" dev "$SIF"
ip -n "$NS_C" addr add 10.78.0.2/24 dev "$CIF"
ip -n "$NS_S" link set "$SIF" up
ip -n "$NS_C" link set "$CIF" up
ip netns exec "$NS_S" ethtool -K "$SIF" tx off >/dev/null
ip netns exec "$NS_C" ethtool -K "$CIF" tx off >/dev/null
for i in $(seq 1 50); do
	ip netns exec "$NS_C" ping -c1 -W1 "$SRV" >/dev/null 2>&1 && break
	sleep 0.1
done

# tftpd-hpa drops to nobody: world-readable root.
ROOT=$TMP/root
OUT=$TMP/out
mkdir -p "$ROOT" "$OUT"
chmod 755 "$TMP" "$ROOT"
head -c $((64 << 20)) /dev/urandom >"$ROOT/big.bin"
head -c $((8 << 20)) /dev/urandom >"$ROOT/mid.bin"
chmod 644 "$ROOT"/*.bin
BIG_SHA=$(sha256sum "$ROOT/big.bin" | cut -d' ' -f1)

wait_udp69() {
	local i
	for i in $(seq 1 50); do
		ip netns exec "$NS_S" ss -lun 2>/dev/null | grep -q "$SRV:69 " && return 0
		sleep 0.1
	done
	return 1
}

start_server() { # CONFIG
	if [ "$1" = hpa ]; then
		ip netns exec "$NS_S" "${SRV_CPU[@]}" in.tftpd -L -s "$ROOT" --address "$SRV:69" 2>"$TMP/server.err" &
	else
		local ev=()
		[ "$EVENTS" = 1 ] && ev=(--events /dev/null)
		ip netns exec "$NS_S" "${SRV_CPU[@]}" "$DRIVER" --root "$ROOT" --listen "$SRV" --port 69 "${ev[@]}" \
			>"$TMP/server.out" 2>"$TMP/server.err" &
	fi
	SERVER_PID=$!
	wait_udp69 || { cat "$TMP/server.err" >&2; echo "server did not start" >&2; exit 1; }
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

# CPU time (ticks) of the server so far, its reaped children included
# (tftpd-hpa forks one per transfer). ip netns exec and taskset exec it, so
# $SERVER_PID is the server itself.
server_ticks() {
	awk '{ print $14 + $15 + $16 + $17 }' "/proc/$SERVER_PID/stat" 2>/dev/null || echo 0
}
HZ=$(getconf CLK_TCK)

# run CONFIG FILE COUNT: COUNT concurrent atftp fetches of FILE; prints MB/s
# (or "fail") and the server's CPU use in % of one CPU over the run. The
# clock runs from just before the first client starts to the end of the last.
run() {
	local config=$1 file=$2 count=$3 opts t0 t1 i rc=0 size c0 c1
	opts=(--option "blksize $BLKSIZE")
	[ "$config" = ours-w16 ] && opts+=(--option "windowsize 16")
	rm -f "$OUT"/*
	CLIENT_PIDS=()
	c0=$(server_ticks)
	t0=$(date +%s.%N)
	for i in $(seq 1 "$count"); do
		ip netns exec "$NS_C" "${CLI_CPU[@]}" timeout "$TIMEOUT" atftp "${opts[@]}" -g -r "$file" \
			-l "$OUT/$i" "$SRV" 69 >/dev/null 2>>"$TMP/client.err" &
		CLIENT_PIDS+=($!)
	done
	for i in "${CLIENT_PIDS[@]}"; do wait "$i" || rc=$?; done
	t1=$(date +%s.%N)
	sleep 0.3 # lets the server reap its last child (tftpd-hpa)
	c1=$(server_ticks)
	CLIENT_PIDS=()
	size=$(stat -c %s "$ROOT/$file")
	for i in $(seq 1 "$count"); do
		[ "$(stat -c %s "$OUT/$i" 2>/dev/null)" = "$size" ] || rc=1
	done
	if [ "$file" = big.bin ] && [ "$(sha256sum "$OUT/1" | cut -d' ' -f1)" != "$BIG_SHA" ]; then rc=1; fi
	if [ $rc -ne 0 ]; then echo fail -; return; fi
	awk -v b=$((size * count)) -v t0="$t0" -v t1="$t1" -v c=$((c1 - c0)) -v hz="$HZ" \
		'BEGIN { printf "%.1f %.0f%%\n", b / (t1 - t0) / 1e6, 100 * c / hz / (t1 - t0) }'
}

best() { # values...: the largest number, or "fail" when none
	printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | tail -n1 | grep . || echo fail
}

declare -A SINGLE CONC
echo "TFTP read throughput over a veth, atftp client, blksize $BLKSIZE, best of $REPEAT, pin $PIN, MB = 10^6 B"
for config in $CONFIGS; do
	s=() c=() sp=() cp=()
	for _ in $(seq 1 "$REPEAT"); do
		start_server "$config"
		read -r v p <<<"$(run "$config" big.bin 1)"
		s+=("$v") sp+=("$p")
		read -r v p <<<"$(run "$config" mid.bin "$CLIENTS")"
		c+=("$v") cp+=("$p")
		stop_server
	done
	SINGLE[$config]=$(best "${s[@]}")
	CONC[$config]=$(best "${c[@]}")
	printf '  %-10s 64 MiB x1: %8s MB/s (runs: %s)   8 MiB x%d: %8s MB/s (runs: %s)\n' \
		"$config" "${SINGLE[$config]}" "${s[*]}" "$CLIENTS" "${CONC[$config]}" "${c[*]}"
	# tftpd-hpa's children are reaped without accounting: no figure for it.
	[ "$config" = hpa ] ||
		printf '  %-10s server CPU (%% of one CPU) per run: x1 %s   x%d %s\n' "" "${sp[*]}" "$CLIENTS" "${cp[*]}"
done

ratio() { # A B
	case "$1$2" in *fail*|"") echo "n/a"; return ;; esac
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
}
if [ -n "${SINGLE[hpa]:-}" ]; then
	for config in ours ours-w16; do
		[ -n "${SINGLE[$config]:-}" ] || continue
		printf 'ratio %-8s / tftpd-hpa: 64 MiB x1 %s, 8 MiB x%d %s\n' "$config" \
			"$(ratio "${SINGLE[$config]}" "${SINGLE[hpa]}")" "$CLIENTS" \
			"$(ratio "${CONC[$config]}" "${CONC[hpa]}")"
	done
fi
# atftp reports each negotiated option on stderr: anything else is an error.
if grep -qv '^Option ' "$TMP/client.err" 2>/dev/null; then
	echo "client errors:"
	grep -v '^Option ' "$TMP/client.err" | sort | uniq -c | head
fi
exit 0
