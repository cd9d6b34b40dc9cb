#!/usr/bin/env bash
# nfs-bench.sh - NFSv3 server throughput of `pitest nfsd` against nfs-ganesha
# (FSAL_VFS), in the same run, with the same libnfs clients, over loopback
# in a private network namespace (unshare -n). The servers take turns on
# the same ports; clients name the ports in the URL (no portmapper).
#
# Workloads:
#   read   nfs-cat of a 1 GiB file (page-cached on the host) to /dev/null:
#          sequential 1 MiB nfs_pread calls split into <= rtmax READs.
#          MB/s = bytes / wall time (MB = 10^6 B); every copy is checked
#          for its length, and a 16 MiB file for its sha256.
#   stat   bench/nfs_storm: nfs_stat64 of 3 paths (/, /hello.txt,
#          /sub/dir/nested.txt: LOOKUPs of every component + GETATTR) with
#          DEPTH calls in flight (16: server throughput; 1: round trip),
#          STORM_SECONDS each.
# REPEAT rounds; in each, every server in turn is started, runs each
# workload once and is stopped (so load changes on a shared machine hit
# both alike); the best run counts. Server CPU is in CPU-seconds per GiB read (user+sys).
#
# Usage: bench/nfs-bench.sh [PITEST_BIN [NFS_STORM]]
#   defaults: $PITEST_BUILD_DIR, build-rel/, build/ ({pitest,bench/nfs_storm});
#   build them Release: cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release
#   && ninja -C build-rel pitest nfs_storm
# Environment: REPEAT (3), SERVERS (subset of "ganesha ours"), EVENTS (1: ours
#   writes every event as a JSON line to /dev/null, the cost a real run pays;
#   0: none), STORM_SECONDS (5), SIZE_MIB (1024),
#   PIN (none | same: server and client on CPU 0 | split: server CPU 0,
#   client CPU 1).
set -u

REPEAT=${REPEAT:-3}
SERVERS=${SERVERS:-ganesha ours}
EVENTS=${EVENTS:-1}
STORM_SECONDS=${STORM_SECONDS:-5}
SIZE_MIB=${SIZE_MIB:-1024}
PIN=${PIN:-none}
case $PIN in
none) SRV_CPU=() CLI_CPU=() ;;
same) SRV_CPU=(taskset -c 0) CLI_CPU=(taskset -c 0) ;;
split) SRV_CPU=(taskset -c 0) CLI_CPU=(taskset -c 1) ;;
*) echo "PIN must be none, same or split" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")/.." && pwd)

[ "$(id -u)" = 0 ] || { echo "needs root (network namespace, mounts for ganesha)" >&2; exit 2; }
if [ -z "${PITEST_NFS_BENCH_NS:-}" ]; then
	exec env PITEST_NFS_BENCH_NS=1 unshare -n bash "$0" "$@"
fi
ip link set lo up || exit 1

PITEST=${1:-}
STORM=${2:-}
for d in "${PITEST_BUILD_DIR:-}" "$HERE/build-rel" "$HERE/build"; do
	[ -n "$d" ] || continue
	[ -z "$PITEST" ] && [ -x "$d/pitest" ] && PITEST=$d/pitest
	[ -z "$STORM" ] && [ -x "$d/bench/nfs_storm" ] && STORM=$d/bench/nfs_storm
done
case " $SERVERS " in *" ours "*)
	[ -n "$PITEST" ] && [ -x "$PITEST" ] || { echo "pitest not found; pass its path" >&2; exit 2; } ;;
esac
[ -n "$STORM" ] && [ -x "$STORM" ] || { echo "nfs_storm not found; pass its path as the 2nd argument" >&2; exit 2; }
for t in nfs-cat sha256sum; do
	command -v "$t" >/dev/null || { echo "$t missing (scripts/install-deps.sh)" >&2; exit 2; }
done
# shellcheck source=../tests/lib/ganesha.sh
. "$HERE/tests/lib/ganesha.sh"

TMP=$(mktemp -d /tmp/pitest-bench-nfs-XXXXXX)
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	ganesha_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

EXP=$TMP/export
mkdir -p "$EXP/sub/dir"
chmod 755 "$TMP" "$EXP"
echo hello >"$EXP/hello.txt"
echo nested >"$EXP/sub/dir/nested.txt"
head -c $((16 << 20)) /dev/urandom >"$EXP/check.bin"
CHECK_SHA=$(sha256sum <"$EXP/check.bin" | cut -d' ' -f1)
# Random data, so no layer can shortcut zeros; read once to cache it.
head -c $((SIZE_MIB << 20)) /dev/urandom >"$EXP/big.bin"
cat "$EXP/big.bin" >/dev/null
BIG=$((SIZE_MIB << 20))
HZ=$(getconf CLK_TCK)

start_server() { # ours|ganesha
	if [ "$1" = ours ]; then
		local ev=(-q)
		[ "$EVENTS" = 1 ] && ev+=(--events /dev/null)
		"${SRV_CPU[@]}" "$PITEST" nfsd --export "/export=$EXP" --bind 127.0.0.1 --port 2049 \
			--no-pmap --state "$TMP/state" "${ev[@]}" >/dev/null 2>"$TMP/ours.err" &
		SERVER_PID=$!
		for _ in $(seq 1 100); do
			grep -qs "pitest nfsd: serving" "$TMP/ours.err" && break
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		grep -q "pitest nfsd: serving" "$TMP/ours.err" || { cat "$TMP/ours.err" >&2; echo "pitest nfsd did not start" >&2; exit 1; }
		URL_ARGS="?nfsport=2049&mountport=2049"
		SRV_STAT_PID=$SERVER_PID
	else
		ganesha_start "$EXP" /export 127.0.0.1 2049 20048 || exit 1
		[ ${#SRV_CPU[@]} -gt 0 ] && taskset -a -p -c 0 "$GANESHA_PID" >/dev/null
		URL_ARGS="?nfsport=2049&mountport=20048"
		SRV_STAT_PID=$GANESHA_PID
	fi
}

stop_server() { # ours|ganesha
	if [ "$1" = ours ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	else
		ganesha_stop
	fi
}

server_ticks() {
	awk '{ print $14 + $15 }' "/proc/$SRV_STAT_PID/stat" 2>/dev/null || echo 0
}

# read_run: one nfs-cat of big.bin; prints "MB/s CPU-s/GiB" or "fail -".
read_run() {
	local t0 t1 c0 c1 n
	c0=$(server_ticks)
	t0=$(date +%s.%N)
	n=$("${CLI_CPU[@]}" nfs-cat "nfs://127.0.0.1/export/big.bin$URL_ARGS" 2>>"$TMP/client.err" | wc -c)
	t1=$(date +%s.%N)
	c1=$(server_ticks)
	[ "$n" = "$BIG" ] || { echo "read $n of $BIG bytes" >>"$TMP/client.err"; echo fail -; return; }
	awk -v b="$BIG" -v t0="$t0" -v t1="$t1" -v c=$((c1 - c0)) -v hz="$HZ" \
		'BEGIN { printf "%.0f %.2f\n", b / (t1 - t0) / 1e6, c / hz / (b / 1073741824) }'
}

storm_run() { # DEPTH: prints stats/s or fail
	local out
	out=$("${CLI_CPU[@]}" "$STORM" -t "$STORM_SECONDS" -d "$1" "nfs://127.0.0.1/export$URL_ARGS" \
		/ /hello.txt /sub/dir/nested.txt 2>>"$TMP/client.err") || { echo fail; return; }
	awk '{ print $6 }' <<<"$out"
}

best() { # values...: the largest number, or "fail" when none
	printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | tail -n1 | grep . || echo fail
}

declare -A READ CPU S16 S1 RR RC RA RB
echo "NFSv3 over loopback (own netns), libnfs clients, $SIZE_MIB MiB page-cached file, best of $REPEAT, pin $PIN, events $EVENTS, MB = 10^6 B"
# Rounds: each server in turn runs every workload once, so a change in the
# machine's load during the run hits both servers alike.
for round in $(seq 1 "$REPEAT"); do
	for srv in $SERVERS; do
		start_server "$srv"
		if [ "$round" = 1 ]; then
			sum=$("${CLI_CPU[@]}" nfs-cat "nfs://127.0.0.1/export/check.bin$URL_ARGS" 2>>"$TMP/client.err" | sha256sum | cut -d' ' -f1)
			[ "$sum" = "$CHECK_SHA" ] || echo "  $srv: check.bin sha256 MISMATCH" >&2
		fi
		read -r v p <<<"$(read_run)"
		RR[$srv]+=" $v" RC[$srv]+=" $p"
		RA[$srv]+=" $(storm_run 16)"
		RB[$srv]+=" $(storm_run 1)"
		stop_server "$srv"
	done
done
for srv in $SERVERS; do
	read -ra r <<<"${RR[$srv]}"
	read -ra c <<<"${RC[$srv]}"
	read -ra a <<<"${RA[$srv]}"
	read -ra b <<<"${RB[$srv]}"
	READ[$srv]=$(best "${r[@]}")
	CPU[$srv]=$(printf '%s\n' "${c[@]}" | grep -E '^[0-9.]+$' | sort -g | head -n1 | grep . || echo -)
	S16[$srv]=$(best "${a[@]}")
	S1[$srv]=$(best "${b[@]}")
	printf '  %-8s read %d MiB: %6s MB/s (runs: %s)   server CPU-s/GiB: %s (runs: %s)\n' \
		"$srv" "$SIZE_MIB" "${READ[$srv]}" "${r[*]}" "${CPU[$srv]}" "${c[*]}"
	printf '  %-8s stat storm depth 16: %6s stats/s (runs: %s)   depth 1: %6s stats/s (runs: %s)\n' \
		"" "${S16[$srv]}" "${a[*]}" "${S1[$srv]}" "${b[*]}"
done

ratio() { # A B
	case "$1$2" in *fail*|"") echo "n/a"; return ;; esac
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
}
if [ -n "${READ[ours]:-}" ] && [ -n "${READ[ganesha]:-}" ]; then
	printf 'ratio ours / ganesha: read %s, stat depth 16 %s, stat depth 1 %s\n' \
		"$(ratio "${READ[ours]}" "${READ[ganesha]}")" \
		"$(ratio "${S16[ours]}" "${S16[ganesha]}")" "$(ratio "${S1[ours]}" "${S1[ganesha]}")"
fi
if [ -s "$TMP/client.err" ]; then
	echo "client errors:"
	sort "$TMP/client.err" | uniq -c | head
fi
exit 0
