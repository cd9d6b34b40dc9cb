#!/bin/bash
# vpi_kernel_peer.sh SERVER - the virtual board's whole boot with --kernel:
# DHCP and TFTP from dnsmasq (a `pitest mktree` tree), then the kernel
# stage: ip=dhcp, the NFS root mount, /sbin/init and systemd up to the
# login prompt, over a `pitest mkroot` root served by SERVER: "ganesha"
# (nfs-ganesha + rpcbind, tests/lib/ganesha.sh, with UDP enabled) or
# "pitest" (pitest nfsd). Then the same root over UDP (nfsroot=...,udp),
# and the mounts a v3-only server refuses: a wrong path, vers=2 (MOUNT v1)
# and vers=4 (NFSv4 NULL on 2049), each retried and ending in the panic.
# Two namespaces joined by a veth; the server side of the script runs
# inside the server namespace. Exits 77 (skip) only without root.
set -u

SERVER=${1:-ganesha}
SRC=${PITEST_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PITEST=${PITEST_BIN:-}
SCALE=${VPI_SCALE:-10}

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*"; exit 1; }

if [ "${VPI_KERNEL_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	[ -x "$PITEST" ] || die "PITEST_BIN not set (run through ctest)"
	for t in dnsmasq ethtool ip; do command -v $t >/dev/null || die "$t missing (scripts/install-deps.sh)"; done
	NS_S=vpk-srv-$$
	NS_B=vpk-brd-$$
	cleanup() {
		ip netns del "$NS_S" 2>/dev/null
		ip netns del "$NS_B" 2>/dev/null
	}
	trap cleanup EXIT
	trap 'exit 1' INT TERM
	ip netns add "$NS_S" || exit 1
	ip netns add "$NS_B" || exit 1
	ip -n "$NS_S" link add vsrv type veth peer name eth0 netns "$NS_B" || exit 1
	ip -n "$NS_S" addr add 192.168.1.1/24 dev vsrv
	ip -n "$NS_S" link set lo up
	ip -n "$NS_S" link set vsrv up
	ip -n "$NS_B" link set lo up
	ip netns exec "$NS_S" ethtool -K vsrv tx off >/dev/null
	ip netns exec "$NS_B" ethtool -K eth0 tx off >/dev/null
	ip netns exec "$NS_B" sysctl -qw net.ipv4.conf.all.rp_filter=0
	VPI_KERNEL_INNER=1 NS_B=$NS_B ip netns exec "$NS_S" bash "$0" "$SERVER"
	exit $?
fi

# ---- inside the server namespace ----
TMP=$(mktemp -d /tmp/vpi-kernel.XXXXXX)
BOOT=$TMP/boot
NFS=$TMP/nfs
DNSMASQ_PID=
NFSD_PID=
FAILED=0
cleanup_inner() {
	[ "$SERVER" = ganesha ] && ganesha_stop
	[ -n "$NFSD_PID" ] && kill "$NFSD_PID" 2>/dev/null && wait "$NFSD_PID" 2>/dev/null
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null && wait "$DNSMASQ_PID" 2>/dev/null
	if [ "$FAILED" = 0 ]; then rm -rf "$TMP"; else echo "logs kept in $TMP"; fi
}
trap cleanup_inner EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; FAILED=1; }

"$PITEST" mktree --server 192.168.1.1 "$BOOT" >/dev/null || { fail "mktree"; exit 1; }
"$PITEST" mkroot --hostname pi4b-1 "$NFS" >/dev/null || { fail "mkroot"; exit 1; }
CMDLINE=$(cat "$BOOT/cmdline.txt")
case $CMDLINE in *"nfsroot=192.168.1.1:/srv/pitest/rootfs,vers=3,tcp "*) ;; *) fail "cmdline.txt: $CMDLINE"; exit 1 ;; esac
cp "$BOOT/cmdline.txt" "$TMP/cmdline.orig"
# set_nfs_opts OPTS: cmdline.txt with nfsroot=...,OPTS instead of vers=3,tcp
set_nfs_opts() {
	sed "s#/srv/pitest/rootfs,vers=3,tcp #/srv/pitest/rootfs,$1 #" "$TMP/cmdline.orig" >"$BOOT/cmdline.txt"
	grep -q "rootfs,$1 " "$BOOT/cmdline.txt" || fail "cmdline.txt not rewritten for $1"
}

dnsmasq --no-daemon --conf-file=/dev/null --port=0 --bind-interfaces --interface=vsrv \
	--dhcp-range=192.168.1.50,192.168.1.150,12h \
	--dhcp-host=dc:a6:32:01:36:c2,192.168.1.101,1h \
	--dhcp-host=b8:27:eb:86:96:f5,192.168.1.103,1h \
	"--pxe-service=0,Raspberry Pi Boot   " --log-dhcp --enable-tftp --tftp-root="$BOOT" \
	--dhcp-leasefile="$TMP/leases" --pid-file="$TMP/dnsmasq.pid" \
	--log-facility="$TMP/dnsmasq.log" --user=root 2>>"$TMP/dnsmasq.err" &
DNSMASQ_PID=$!

case $SERVER in
ganesha)
	# shellcheck source=../lib/ganesha.sh
	. "$SRC/tests/lib/ganesha.sh"
	# the MOUNT path is ganesha's Pseudo path: the cmdline's /srv/pitest/rootfs
	GANESHA_UDP=1 ganesha_start "$NFS/rootfs" /srv/pitest/rootfs 192.168.1.1 || { fail "ganesha did not start"; exit 1; }
	SERVER_LOG=$GANESHA_TMP/ganesha.log
	;;
pitest)
	"$PITEST" nfsd --export "/srv/pitest/rootfs=$NFS/rootfs" --bind 192.168.1.1 \
		--state "$TMP/state" --events "$TMP/nfsd.jsonl" >"$TMP/nfsd.out" 2>"$TMP/nfsd.err" &
	NFSD_PID=$!
	for _ in $(seq 1 100); do
		grep -q "pitest nfsd: serving" "$TMP/nfsd.err" && break
		kill -0 "$NFSD_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "pitest nfsd: serving" "$TMP/nfsd.err" || { cat "$TMP/nfsd.err"; fail "pitest nfsd did not start"; exit 1; }
	SERVER_LOG=$TMP/nfsd.err
	;;
*) fail "SERVER must be ganesha or pitest"; exit 1 ;;
esac
for _ in $(seq 50); do
	grep -q "DHCP, IP range" "$TMP/dnsmasq.log" 2>/dev/null && break
	sleep 0.1
done

# run_board NAME MODEL MAC SERIAL [args...] -> $TMP/NAME.{out,err}, RC
run_board() {
	local name=$1 model=$2 mac=$3 serial=$4
	shift 4
	[ "$SERVER" = pitest ] && EVENTS_MARK=$(wc -l <"$TMP/nfsd.jsonl")
	ip -n "$NS_B" link set eth0 down
	ip -n "$NS_B" addr flush dev eth0
	ip -n "$NS_B" link set eth0 address "$mac"
	ip -n "$NS_B" link set eth0 up
	for _ in $(seq 50); do
		[ "$(ip netns exec "$NS_B" cat /sys/class/net/eth0/operstate)" = up ] && break
		sleep 0.1
	done
	timeout 120 ip netns exec "$NS_B" "$PITEST" vpi --model "$model" --mac "$mac" \
		--serial "$serial" --iface eth0 --time-scale "$SCALE" --kernel --tftp-file-timeout 600000 "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
	echo "--- $name ($model) exit $RC"
	sed 's/^/    /' "$TMP/$name.out" "$TMP/$name.err"
}
expect_rc() { [ "$RC" = "$2" ] || fail "$1: exit $RC, expected $2"; }
# console lines without their kernel timestamp, exactly, in this order
expect_lines() {
	local name=$1 n=0 line m
	shift
	sed -E 's/^\[ *[0-9]+\.[0-9]{6}\] //' "$TMP/$name.out" >"$TMP/$name.plain"
	for line in "$@"; do
		m=$(tail -n +$((n + 1)) "$TMP/$name.plain" | grep -nxF -m1 -- "$line" | cut -d: -f1)
		[ -n "$m" ] || { fail "$name: line '$line' missing after line $n"; return; }
		n=$((n + m))
	done
}
expect_re() { grep -qE -- "$3" "$TMP/$1.$2" || fail "$1: nothing matching '$3' in $2"; }
# pitest nfsd only: the server's rpc.call events of the last run_board
# (EVENTS_MARK lines were there before it) matching an ERE, counted
EVENTS_MARK=0
server_calls() {
	[ "$SERVER" = pitest ] || { echo 0; return; }
	tail -n +$((EVENTS_MARK + 1)) "$TMP/nfsd.jsonl" | grep -cE -- "$1"
}
expect_calls() { # NAME ERE MIN [MAX]
	[ "$SERVER" = pitest ] || return 0
	local n
	n=$(server_calls "$2")
	[ "$n" -ge "$3" ] && [ "$n" -le "${4:-$n}" ] || fail "$1: $n calls matching '$2', expected ${3}..${4:-}"
}

start=$(date +%s)
for b in "pi4b dc:a6:32:01:36:c2 10000000aabbccdd 192.168.1.101" \
	"pi3b+ b8:27:eb:86:96:f5 5586d96f 192.168.1.103"; do
	set -- $b
	model=$1 mac=$2 serial=$3 ip=$4
	name=${model/+/plus}
	run_board "$name" "$model" "$mac" "$serial"
	expect_rc "$name" 0
	expect_lines "$name" \
		"Kernel command line: $CMDLINE" \
		"Sending DHCP requests ., OK" \
		"IP-Config: Got DHCP answer from 192.168.1.1, my address is $ip" \
		"IP-Config: Complete:" \
		"     device=eth0, hwaddr=$mac, ipaddr=$ip, mask=255.255.255.0, gw=192.168.1.1" \
		"     bootserver=192.168.1.1, rootserver=192.168.1.1, rootpath=" \
		"VFS: Mounted root (nfs filesystem) on device 0:22." \
		"devtmpfs: mounted" \
		"Run /sbin/init as init process" \
		"Welcome to Debian GNU/Linux 12 (bookworm)!" \
		"systemd[1]: Hostname set to <pi4b-1>." \
		"[  OK  ] Reached target multi-user.target - Multi-User System." \
		"Debian GNU/Linux 12 (bookworm) pi4b-1 ttyS0" \
		"pi4b-1 login: "
	expect_re "$name" out '^\[ +[0-9]+\.[0-9]{6}\] VFS: Mounted root \(nfs filesystem\)'
	# the first boot finds the empty /etc/machine-id of the image, the second the written one
	if [ "$name" = pi4b ]; then
		expect_lines "$name" "systemd[1]: Initializing machine ID from random generator."
	else
		! grep -q "Initializing machine ID" "$TMP/$name.out" || fail "$name: machine ID initialized twice"
	fi
	expect_re "$name" err "^vpi: NFS root /srv/pitest/rootfs mounted, rsize 4096 wsize 4096, proto=tcp mountproto=tcp$"
done
# the first boot wrote the machine ID and the random seed through NFS
[ "$(wc -c <"$NFS/rootfs/etc/machine-id")" = 33 ] || fail "machine-id not written"
[ -s "$NFS/rootfs/var/lib/systemd/random-seed" ] || fail "random-seed not written"
[ -e "$NFS/rootfs/var/log/wtmp" ] || fail "wtmp not renamed into place"
[ ! -e "$NFS/rootfs/var/log/.#lastlog" ] || fail ".#lastlog not removed"

# A wrong path: MNT refused, the mount retried (5 s, 10 s, ... board time), panic, exit 5
sed "s#/srv/pitest/rootfs#/srv/pitest/nothing#" "$BOOT/cmdline.txt" >"$TMP/c" && cp "$TMP/c" "$BOOT/cmdline.txt"
run_board wrongpath pi4b dc:a6:32:01:36:c2 10000000aabbccdd
expect_rc wrongpath 5
expect_lines wrongpath \
	"VFS: Unable to mount root fs via NFS." \
	"VFS: Cannot open root device \"nfs\" or unknown-block(0,255): error -6" \
	"Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,255)"

# ---- the same root over UDP: portmap, MOUNT and NFS all in datagrams,
# rsize/wsize asked 1 MiB but 32 KiB at most over UDP
set_nfs_opts "vers=3,udp,rsize=1048576,wsize=1048576"
run_board udp pi4b dc:a6:32:01:36:c2 10000000aabbccdd
expect_rc udp 0
expect_lines udp \
	"Kernel command line: $(cat "$BOOT/cmdline.txt")" \
	"Sending DHCP requests ., OK" \
	"VFS: Mounted root (nfs filesystem) on device 0:22." \
	"Run /sbin/init as init process" \
	"Welcome to Debian GNU/Linux 12 (bookworm)!" \
	"pi4b-1 login: "
expect_re udp err "^vpi: NFS root /srv/pitest/rootfs mounted, rsize 32768 wsize 32768, proto=udp mountproto=udp$"
expect_calls udp '"prog":"portmap".*"proc":"GETPORT".*"transport":"udp"' 2 2
expect_calls udp '"prog":"mount".*"proc":"MNT".*"transport":"udp".*"MNT3_OK"' 1 1
expect_calls udp '"prog":"nfs".*"proc":"READ".*"transport":"udp"' 10
expect_calls udp '"transport":"tcp"' 0 0
! grep -q "not responding" "$TMP/udp.out" || echo "note: udp: a reply came late (loaded machine?)"
# NFS over UDP with MOUNT over TCP (mountproto=tcp)
set_nfs_opts "vers=3,udp,mountproto=tcp"
run_board udpmnttcp pi4b dc:a6:32:01:36:c2 10000000aabbccdd
expect_rc udpmnttcp 0
expect_lines udpmnttcp "VFS: Mounted root (nfs filesystem) on device 0:22." "pi4b-1 login: "
expect_re udpmnttcp err "^vpi: NFS root /srv/pitest/rootfs mounted, rsize 4096 wsize 4096, proto=udp mountproto=tcp$"
expect_calls udpmnttcp '"prog":"mount".*"proc":"MNT".*"transport":"tcp"' 1 1
expect_calls udpmnttcp '"prog":"nfs".*"transport":"tcp"' 0 0
expect_calls udpmnttcp '"prog":"nfs".*"proc":"READ".*"transport":"udp"' 10

# ---- refused mounts: retried after 5, 10, 20, 30, 30 s (board time), then the panic, exit 5
expect_refused() { # NAME
	expect_rc "$1" 5
	expect_lines "$1" \
		"VFS: Unable to mount root fs via NFS." \
		"VFS: Cannot open root device \"nfs\" or unknown-block(0,255): error -6" \
		"Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,255)"
	[ "$(grep -c "NFS root mount attempt" "$TMP/$1.err")" = 6 ] || fail "$1: not 6 mount attempts"
	! grep -q "VFS: Mounted root" "$TMP/$1.out" || fail "$1: mounted"
}
# vers=2 asks MOUNT v1: the server has v3 only (PROG_MISMATCH)
set_nfs_opts "vers=2,tcp"
run_board vers2 pi4b dc:a6:32:01:36:c2 10000000aabbccdd
expect_refused vers2
# pitest nfsd refuses MOUNT v1 outright (PROG_MISMATCH on the NULL ping);
# ganesha answers the v1 NULL but not MNT v1 (PROC_UNAVAIL: -EOPNOTSUPP)
if [ "$SERVER" = pitest ]; then
	expect_re vers2 err "^vpi: NFS root mount attempt 6 failed: Protocol not supported \(mount NULL v1 over tcp\)$"
else
	expect_re vers2 err "^vpi: NFS root mount attempt 6 failed: Operation not supported \(mount MNT v1 over tcp\)$"
fi
# each attempt: GETPORT (MOUNT v1 finds v3's port), MOUNT v1 NULL refused; no MNT
expect_calls vers2 '"prog":"mount".*"vers":"1".*"proc":"NULL".*"PROG_MISMATCH"' 6 6
expect_calls vers2 '"proc":"MNT"' 0 0
expect_calls vers2 '"prog":"portmap"' 6 6
# vers=4: no portmapper, no MOUNT; NFSv4's NULL to 2049 gets PROG_MISMATCH
set_nfs_opts "vers=4.1,tcp"
run_board vers4 pi4b dc:a6:32:01:36:c2 10000000aabbccdd
expect_refused vers4
expect_re vers4 err "^vpi: NFS root mount attempt 6 failed: Protocol not supported \(nfs NULL v4 over tcp\)$"
expect_calls vers4 '"prog":"nfs".*"vers":"4".*"proc":"NULL".*"transport":"tcp".*"PROG_MISMATCH"' 6 6
expect_calls vers4 '"prog":"(portmap|mount)"' 0 0

echo "took $(($(date +%s) - start)) s"
[ "$FAILED" = 0 ] && echo PASS
exit "$FAILED"
