#!/usr/bin/env bash
# boot-storm.sh - a fleet of virtual boards (64) from power-on to the login
# prompt, once through pitest's own servers (`pitest --suite full-boot`
# on a generated virtual lab) and once through dnsmasq (DHCP) + tftpd-hpa
# (TFTP) + nfs-ganesha (NFSv3, with its rpcbind), in the same run, with the
# same boards, boot tree (`pitest mktree`) and NFS root (`pitest mkroot`).
# Prints the wall time (first power-on to the last login), p50/p95 of every
# phase of suites/full-boot.yaml and the ratio; then the harness's own CPU
# (utime+stime of the pitest process, not its boards) per idle board while
# every board sits at its login prompt. See bench/README.md for how each
# side measures its phases.
#
# Usage: bench/boot-storm.sh [PITEST_BIN]
#   default: $PITEST_BUILD_DIR/pitest, build-rel/pitest, build/pitest
# Environment: BOARDS (64), SCALE (10: the lab's time_scale), IDLE_SECONDS
#   (10: the CPU sampling window), TIMEOUT (180 s per side), SIDES ("ours
#   peers"), KEEP=1 keeps the temp dir (events, console logs), TFTPD_T
#   (tftpd-hpa's retransmit timeout in microseconds; default its own 1 s).
# Needs root (network namespaces) and dnsmasq, in.tftpd, ganesha.nfsd,
# rpcbind, ethtool, python3.
set -u

BOARDS=${BOARDS:-64}
SCALE=${SCALE:-10}
IDLE_SECONDS=${IDLE_SECONDS:-10}
TIMEOUT=${TIMEOUT:-180}
SIDES=${SIDES:-ours peers}
HERE=$(cd "$(dirname "$0")/.." && pwd)
LABPY=$HERE/bench/boot_storm_lab.py
SRV=10.79.0.1

# CPU of every process in a cgroup, in microseconds: in.tftpd forks a child
# per transfer that /proc accounting loses, so the peer servers run in a
# cgroup of their own (v2 cpu.stat, or v1 cpuacct).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	CG_ROOT=/sys/fs/cgroup
	cg_usec() { awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat" 2>/dev/null || echo 0; }
elif [ -d /sys/fs/cgroup/cpuacct ]; then
	CG_ROOT=/sys/fs/cgroup/cpuacct
	cg_usec() { awk '{ printf "%d\n", $1 / 1000 }' "$1/cpuacct.usage" 2>/dev/null || echo 0; }
else
	CG_ROOT=
	cg_usec() { echo 0; }
fi

[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }

# ---- the peer servers, run inside the servers' namespace (see peers_run) ----
if [ "${PITEST_STORM_INNER:-}" = 1 ]; then
	# shellcheck source=../tests/lib/ganesha.sh
	. "$HERE/tests/lib/ganesha.sh"
	DNSMASQ_PID='' TFTPD_PID=''
	inner_cleanup() {
		ganesha_stop
		for p in $TFTPD_PID $DNSMASQ_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	}
	trap inner_cleanup EXIT
	trap 'exit 1' INT TERM
	hosts=()
	while IFS=$'\t' read -r _ _ mac _ ip; do hosts+=("--dhcp-host=$mac,$ip,1h"); done <"$TMP/boards.tsv"
	# The 3 spaces after the menu text: the Pi 3B ROM takes no offer without them.
	dnsmasq --no-daemon --conf-file=/dev/null --port=0 --bind-interfaces --interface=br0 \
		--dhcp-range=10.79.2.1,10.79.2.250,255.255.0.0,12h "${hosts[@]}" --no-ping \
		"--pxe-service=0,Raspberry Pi Boot   " --dhcp-leasefile="$TMP/peer.leases" \
		--pid-file="$TMP/dnsmasq.pid" --log-facility="$TMP/dnsmasq.log" --user=root \
		2>>"$TMP/dnsmasq.err" &
	DNSMASQ_PID=$!
	# tftpd-hpa as it comes (retransmit after 1 s). TFTPD_T=MICROSECONDS
	# changes that (1000000/SCALE scales it like the boards' and pitest's
	# timers; measured worse: more duplicate transfers under the storm).
	in.tftpd -L -s "$TMP/tftp" --address "$SRV:69" -u root ${TFTPD_T:+-T "$TFTPD_T"} \
		2>>"$TMP/tftpd.err" &
	TFTPD_PID=$!
	ganesha_start "$TMP/nfs/rootfs" /srv/pitest/rootfs "$SRV" || exit 1
	for _ in $(seq 50); do grep -qs "DHCP, IP range" "$TMP/dnsmasq.log" && break; sleep 0.1; done
	grep -qs "DHCP, IP range" "$TMP/dnsmasq.log" || { cat "$TMP/dnsmasq.err" >&2; echo "dnsmasq did not start" >&2; exit 1; }
	kill -0 "$TFTPD_PID" 2>/dev/null || { cat "$TMP/tftpd.err" >&2; echo "in.tftpd did not start" >&2; exit 1; }
	c0=$(awk '{ print $14 + $15 }' "/proc/$DNSMASQ_PID/stat") g0=$(ganesha_cpu_ticks)
	# The boards are not the servers': their helper leaves the servers'
	# cgroup through fd 9 (the root's cgroup.procs, opened by peers_run:
	# this namespace's /sys has no cgroup mount).
	sh -c 'if [ -n "$1" ]; then echo $$ >&9; fi; shift; exec "$@"' sh "$SERVERS_CG" \
		python3 "$LABPY" peer "$TMP/boards.tsv" "$TMP/peer.json" "$PITEST" "$SCALE" br0 "$TIMEOUT" "$PFX" \
		2>"$TMP/peer.err" || { cat "$TMP/peer.err" >&2; exit 1; }
	c1=$(awk '{ print $14 + $15 }' "/proc/$DNSMASQ_PID/stat") g1=$(ganesha_cpu_ticks)
	echo "$((c1 - c0)) $((g1 - g0))" >"$TMP/peer.cpu"
	exit 0
fi

PITEST=${1:-}
for d in "${PITEST_BUILD_DIR:-}" "$HERE/build-rel" "$HERE/build"; do
	[ -n "$d" ] && [ -z "$PITEST" ] && [ -x "$d/pitest" ] && PITEST=$d/pitest
done
[ -n "$PITEST" ] && [ -x "$PITEST" ] || { echo "pitest not found; pass its path" >&2; exit 2; }
PITEST=$(cd "$(dirname "$PITEST")" && pwd)/$(basename "$PITEST")
for t in dnsmasq in.tftpd ganesha.nfsd rpcbind ethtool ip python3; do
	command -v "$t" >/dev/null || { echo "$t missing (scripts/install-deps.sh)" >&2; exit 2; }
done
[ "$BOARDS" -ge 1 ] && [ "$BOARDS" -le 200 ] || { echo "BOARDS must be 1..200" >&2; exit 2; }

TMP=$(mktemp -d /tmp/pitest-bench-storm-XXXXXX)
chmod 755 "$TMP"
PFX=bst$$-
OURS_PID=
SERVERS_CG=
if [ -n "$CG_ROOT" ] && mkdir "$CG_ROOT/pitest-storm-$$" 2>/dev/null; then
	SERVERS_CG=$CG_ROOT/pitest-storm-$$
fi
cleanup() {
	if [ -n "$SERVERS_CG" ]; then
		xargs -r kill -KILL <"$SERVERS_CG/cgroup.procs" 2>/dev/null
		for _ in $(seq 50); do rmdir "$SERVERS_CG" 2>/dev/null && break; sleep 0.1; done
	fi
	[ -n "$OURS_PID" ] && kill -KILL "$OURS_PID" 2>/dev/null && wait "$OURS_PID" 2>/dev/null
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$PFX"); do
		# the boards first: killing what still runs in them, then the namespace
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
HZ=$(getconf CLK_TCK)
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Every board waits at its login prompt for far longer than the run lasts:
# the run is interrupted once the idle window has been sampled.
WAIT_BOARD_S=$(((TIMEOUT + IDLE_SECONDS + 60) * SCALE))
python3 "$LABPY" lab "$TMP" "$BOARDS" "$SCALE" "$WAIT_BOARD_S" || exit 1
echo "boot storm: $BOARDS boards (pi2 pi3b pi3b+ pi4b pi5 in turn), time scale $SCALE, $(nproc) CPUs, load $(loadavg)"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
count_exits() { awk '/"event":"vpi.exit"/ { n++ } END { print n + 0 }' "$TMP/ours.jsonl" 2>/dev/null || echo 0; }

ours_run() {
	local t0 n c0 c1 w0 w1
	t0=$(date +%s.%N)
	"$PITEST" --suite "$TMP/storm.yaml" --lab "$TMP/lab.yaml" -q --events "$TMP/ours.jsonl" \
		>"$TMP/ours.out" 2>&1 &
	OURS_PID=$!
	# Every board at its prompt (its vpi exited) or the time is up.
	while :; do
		n=$(count_exits)
		[ "$n" -ge "$BOARDS" ] && break
		kill -0 "$OURS_PID" 2>/dev/null || break
		awk -v a="$t0" -v b="$(date +%s.%N)" -v l="$TIMEOUT" 'BEGIN { exit !(b - a > l) }' && break
		sleep 0.2
	done
	OURS_TOTAL=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	OURS_STORM_CPU=$(ticks "$OURS_PID")
	# the boards that exited were reaped by pitest: their CPU is its children's
	OURS_BOARDS_CPU=$(awk '{ print $16 + $17 }' "/proc/$OURS_PID/stat" 2>/dev/null || echo 0)
	IDLE_PCT=
	if [ "$n" -ge "$BOARDS" ] && kill -0 "$OURS_PID" 2>/dev/null; then
		sleep 1 # the last console lines and power bookkeeping settle
		c0=$(ticks "$OURS_PID") w0=$(date +%s.%N)
		sleep "$IDLE_SECONDS"
		c1=$(ticks "$OURS_PID") w1=$(date +%s.%N)
		IDLE_PCT=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v a="$w0" -v b="$w1" -v n="$BOARDS" \
			'BEGIN { s = c / hz / (b - a) * 100; printf "%.2f%% of a core in all, %.4f%% per board (%d ticks in %.1f s)", s, s / n, c, b - a }')
	else
		echo "  pitest: only $n of $BOARDS boards ended within ${TIMEOUT}s" >&2
		tail -n 20 "$TMP/ours.out" >&2
	fi
	kill -INT "$OURS_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$OURS_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$OURS_PID" 2>/dev/null
	wait "$OURS_PID" 2>/dev/null
	OURS_PID=
	python3 "$LABPY" ours "$TMP/ours.jsonl" "$TMP/ours.json"
}

peers_run() {
	local ns=${PFX}s i t0
	t0=$(date +%s.%N)
	"$PITEST" mktree --lab "$TMP/lab.yaml" "$TMP/tftp" >/dev/null || return 1
	"$PITEST" mkroot "$TMP/nfs" >/dev/null || return 1
	chmod -R a+rX "$TMP/tftp"
	# One namespace for the servers (a bridge with the lab's address), one per
	# board with eth0 (the board's MAC) as a veth into the bridge, as the
	# runner's virtual lab has it.
	ip netns add "$ns" || return 1
	ip -n "$ns" link add br0 type bridge stp_state 0 forward_delay 0 || return 1
	ip -n "$ns" addr add "$SRV/16" dev br0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set br0 up
	i=0
	while IFS=$'\t' read -r _ _ mac _ _; do
		echo "netns add ${PFX}$i" >>"$TMP/ns.batch"
		echo "link add vb$i type veth peer name eth0 address $mac netns ${PFX}$i" >>"$TMP/srv.batch"
		echo "link set vb$i master br0 up" >>"$TMP/srv.batch"
		i=$((i + 1))
	done <"$TMP/boards.tsv"
	ip -batch "$TMP/ns.batch" || return 1
	ip -n "$ns" -batch "$TMP/srv.batch" || return 1
	# veth leaves UDP checksums to absent hardware: the boards' raw sockets
	# would drop the servers' replies (peers.md); rp_filter off as the runner does.
	ip netns exec "$ns" sh -c 'ethtool -K br0 tx off; for d in /sys/class/net/vb*; do ethtool -K "${d##*/}" tx off; done' >/dev/null
	for i in $(seq 0 $((BOARDS - 1))); do
		ip netns exec "${PFX}$i" sh -c 'ip link set lo up && ip link set eth0 up &&
			ethtool -K eth0 tx off >/dev/null && sysctl -qw net.ipv4.conf.all.rp_filter=0' || return 1
	done
	# Every bridge port forwarding (state 3) before any board starts.
	for _ in $(seq 100); do
		ip netns exec "$ns" sh -c 'for f in /sys/class/net/vb*/brport/state; do [ "$(cat "$f")" = 3 ] || exit 1; done' && break
		sleep 0.1
	done
	PEER_SETUP=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	t0=$(date +%s.%N)
	# The servers (and the shell that starts and stops them, as pitest's
	# CPU includes its own set-up) in their cgroup, from start to stop.
	local s0 s1 rc=0
	s0=$(cg_usec "$SERVERS_CG")
	[ -n "$SERVERS_CG" ] && exec 9>"$CG_ROOT/cgroup.procs"
	sh -c 'if [ -n "$1" ]; then echo $$ >"$1/cgroup.procs"; fi; shift; exec "$@"' sh "$SERVERS_CG" \
		ip netns exec "$ns" env PITEST_STORM_INNER=1 TMP="$TMP" PITEST="$PITEST" SCALE="$SCALE" \
		TIMEOUT="$TIMEOUT" PFX="$PFX" SERVERS_CG="$SERVERS_CG" bash "$HERE/bench/boot-storm.sh" || rc=1
	[ -n "$SERVERS_CG" ] && exec 9>&-
	s1=$(cg_usec "$SERVERS_CG")
	PEER_SERVERS_USEC=$((s1 - s0))
	PEER_TOTAL=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	return $rc
}

LOAD0=$(loadavg)
case " $SIDES " in *" ours "*) ours_run ;; esac
LOAD1=$(loadavg)
case " $SIDES " in *" peers "*) peers_run || echo "peer run failed" >&2 ;; esac
LOAD2=$(loadavg)

[ -s "$TMP/ours.json" ] || echo '{"boards": {}}' >"$TMP/ours.json"
[ -s "$TMP/peer.json" ] || echo '{"boards": {}}' >"$TMP/peer.json"
python3 "$LABPY" report "$TMP/ours.json" "$TMP/peer.json"
[ -n "${OURS_TOTAL:-}" ] && printf 'pitest: whole run to the last prompt %s s (namespaces, trees, servers included); CPU: pitest %.1f s, boards %.1f s\n' \
	"$OURS_TOTAL" "$(awk -v c="$OURS_STORM_CPU" -v hz="$HZ" 'BEGIN { print c / hz }')" \
	"$(awk -v c="$OURS_BOARDS_CPU" -v hz="$HZ" 'BEGIN { print c / hz }')"
if [ -s "$TMP/peer.cpu" ]; then
	read -r dc gc <"$TMP/peer.cpu"
	su=${PEER_SERVERS_USEC:-0}
	printf 'peers: setup (trees, %d namespaces) %s s, servers up + storm %s s; CPU: dnsmasq %.1f s, ganesha %.1f s, all servers %s, boards %s s\n' \
		"$BOARDS" "${PEER_SETUP:-?}" "${PEER_TOTAL:-?}" "$(awk -v c="$dc" -v hz="$HZ" 'BEGIN { print c / hz }')" \
		"$(awk -v c="$gc" -v hz="$HZ" 'BEGIN { print c / hz }')" \
		"$([ -n "$SERVERS_CG" ] && awk -v u="$su" 'BEGIN { printf "%.1f s (their cgroup from start to stop, in.tftpd transfer children included)", u / 1e6 }' || echo 'not measured (no cgroup)')" \
		"$(python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["boards_cpu"])' "$TMP/peer.json" 2>/dev/null || echo '?')"
	# Server CPU for the same storm: pitest's own process (its DHCP, TFTP and
	# NFS servers and the runner around them, from its start) against the
	# peer servers' cgroup from their start to their stop.
	[ -n "$SERVERS_CG" ] && [ -n "${OURS_STORM_CPU:-}" ] && awk -v o="$OURS_STORM_CPU" -v hz="$HZ" -v u="$su" \
		'BEGIN { if (u > 0) printf "server CPU for the storm: pitest %.1f s, peers %.1f s: %.2fx\n", o / hz, u / 1e6, o / hz / (u / 1e6) }'
fi
[ -n "${IDLE_PCT:-}" ] && echo "harness CPU with $BOARDS boards idle at their prompt: $IDLE_PCT (target <= 1% per board)"
echo "load average: before $LOAD0, after pitest $LOAD1, after peers $LOAD2"
exit 0
