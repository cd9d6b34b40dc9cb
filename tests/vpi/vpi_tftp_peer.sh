#!/bin/bash
# vpi_tftp_peer.sh SERVER - every virtual board model boots its TFTP phase
# from a TFTP server written by others, serving a tree made by
# `pitest mktree`: SERVER is "tftpd-hpa" (in.tftpd, dnsmasq for DHCP only)
# or "dnsmasq" (dnsmasq's own TFTP, enable-tftp). Two namespaces joined by
# a veth, as in vpi_dnsmasq.sh. Exits 77 (skip) without root or the peers.
set -u

SERVER=${1:-tftpd-hpa}
BUILD=${PITEST_BUILD_DIR:-$(cd "$(dirname "$0")/../../build-vpi" && pwd)}
PITEST=${PITEST_BIN:-$BUILD/pitest}
if [ -x "$PITEST" ] && "$PITEST" vpi --help >/dev/null 2>&1; then
	BOARD=("$PITEST" vpi)
else
	BOARD=("$BUILD/tests/vpi/vpi_driver")
fi
SCALE=${VPI_SCALE:-20}

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed (dnsmasq-base)"
command -v ethtool >/dev/null || skip "ethtool not installed"
if [ "$SERVER" = tftpd-hpa ]; then
	TFTPD=$(command -v in.tftpd || echo /usr/sbin/in.tftpd)
	[ -x "$TFTPD" ] || skip "in.tftpd not installed (tftpd-hpa)"
fi
[ -x "$PITEST" ] && "$PITEST" mktree --help >/dev/null 2>&1 || skip "no pitest mktree"
[ -x "${BOARD[0]}" ] || skip "no ${BOARD[0]}"

NS_S=vpt-srv-$$
NS_B=vpt-brd-$$
TMP=$(mktemp -d /tmp/vpi-tftp.XXXXXX)
ROOT=$TMP/root
DNSMASQ_PID=
TFTPD_PID=
FAILED=0

cleanup() {
	[ -n "$TFTPD_PID" ] && kill "$TFTPD_PID" 2>/dev/null && wait "$TFTPD_PID" 2>/dev/null
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null && wait "$DNSMASQ_PID" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	if [ "$FAILED" = 0 ]; then rm -rf "$TMP"; else echo "logs kept in $TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; FAILED=1; }

"$PITEST" mktree --server 192.168.1.1 "$ROOT" >/dev/null || { fail "mktree"; exit 1; }
# One Pi 4 boots from its serial folder (3.5), made from the root's files.
P4=b7f44626
mkdir -p "$ROOT/$P4/overlays"
for f in start4.elf fixup4.dat config.txt cmdline.txt bcm2711-rpi-4-b.dtb kernel8.img \
	overlays/overlay_map.dtb overlays/disable-bt.dtbo overlays/vc4-kms-v3d.dtbo; do
	cp "$ROOT/$f" "$ROOT/$P4/$f"
done
sed -i 's/rootwait/rootwait pitest.folder=serial/' "$ROOT/$P4/cmdline.txt"
# Another Pi 4's folder holds a kernel with one byte flipped: the firmware
# cannot tell (same size as announced), the virtual kernel can.
PC=c0ffee00
mkdir -p "$ROOT/$PC"
cp "$ROOT/config.txt" "$ROOT/$PC/config.txt"
cp "$ROOT/kernel8.img" "$ROOT/$PC/kernel8.img"
printf '\xff' | dd of="$ROOT/$PC/kernel8.img" bs=1 seek=4096 conv=notrunc status=none
cmp -s "$ROOT/kernel8.img" "$ROOT/$PC/kernel8.img" && { fail "could not corrupt the kernel"; exit 1; }
for f in start4.elf fixup4.dat cmdline.txt bcm2711-rpi-4-b.dtb; do cp "$ROOT/$f" "$ROOT/$PC/$f"; done

ip netns add "$NS_S" || exit 1
ip netns add "$NS_B" || exit 1
ip -n "$NS_S" link add vsrv type veth peer name eth0 netns "$NS_B" || exit 1
ip -n "$NS_S" addr add 192.168.1.1/24 dev vsrv
ip -n "$NS_S" link set lo up
ip -n "$NS_S" link set vsrv up
ip -n "$NS_B" link set lo up
# veth leaves UDP checksums to absent hardware: raw-socket receivers drop them
ip netns exec "$NS_S" ethtool -K vsrv tx off >/dev/null
ip netns exec "$NS_B" ethtool -K eth0 tx off >/dev/null
ip netns exec "$NS_B" sysctl -qw net.ipv4.conf.all.rp_filter=0
SRV_MAC=$(ip netns exec "$NS_S" cat /sys/class/net/vsrv/address)

TFTP_ARGS=()
[ "$SERVER" = dnsmasq ] && TFTP_ARGS=(--enable-tftp --tftp-root="$ROOT")
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
	--bind-interfaces --interface=vsrv \
	--dhcp-range=192.168.1.50,192.168.1.150,12h \
	--dhcp-host=be:27:eb:15:e4:ef,192.168.1.100,1h \
	--dhcp-host=dc:a6:32:01:36:c2,192.168.1.101,1h \
	--dhcp-host=2c:cf:67:00:00:01,192.168.1.102,1h \
	--dhcp-host=b8:27:eb:86:96:f5,192.168.1.103,1h \
	--dhcp-host=b8:27:eb:64:24:7d,192.168.1.104,1h \
	--dhcp-host=dc:a6:32:01:36:c3,192.168.1.105,1h \
	"--pxe-service=0,Raspberry Pi Boot   " --log-dhcp "${TFTP_ARGS[@]}" \
	--dhcp-leasefile="$TMP/leases" --pid-file="$TMP/dnsmasq.pid" \
	--log-facility="$TMP/dnsmasq.log" --user=root 2>>"$TMP/dnsmasq.err" &
DNSMASQ_PID=$!
if [ "$SERVER" = tftpd-hpa ]; then
	# -L foreground, -s chroot-like root, -v logs every RRQ (syslog: not checked)
	ip netns exec "$NS_S" "$TFTPD" -L -s "$ROOT" --address 192.168.1.1:69 -u root \
		2>>"$TMP/tftpd.err" &
	TFTPD_PID=$!
fi
for _ in $(seq 50); do
	grep -q "DHCP, IP range" "$TMP/dnsmasq.log" 2>/dev/null && break
	sleep 0.1
done
grep -q "DHCP, IP range" "$TMP/dnsmasq.log" || { fail "dnsmasq did not start"; exit 1; }

# run_board NAME MODEL MAC SERIAL [extra board args...] -> $TMP/NAME.{out,err}, RC
run_board() {
	local name=$1 model=$2 mac=$3 serial=$4
	shift 4
	ip -n "$NS_B" link set eth0 down
	ip -n "$NS_B" link set eth0 address "$mac"
	ip -n "$NS_B" link set eth0 up
	for _ in $(seq 50); do
		[ "$(ip netns exec "$NS_B" cat /sys/class/net/eth0/operstate)" = up ] && break
		sleep 0.1
	done
	timeout 60 ip netns exec "$NS_B" "${BOARD[@]}" --model "$model" --mac "$mac" \
		--serial "$serial" --iface eth0 --time-scale "$SCALE" \
		--cmdline-out "$TMP/$name.cmdline" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
	echo "--- $name ($model) exit $RC"
	sed 's/^/    /' "$TMP/$name.out" "$TMP/$name.err"
}

expect_rc() { [ "$RC" = "$2" ] || fail "$1: exit $RC, expected $2"; }
expect_line() { grep -qxF -- "$3" "$TMP/$1.$2" || fail "$1: no line '$3' in $2"; }
expect_re() { grep -qE -- "$3" "$TMP/$1.$2" || fail "$1: nothing matching '$3' in $2"; }
expect_no_re() { ! grep -qE -- "$3" "$TMP/$1.$2" || fail "$1: unexpected '$3' in $2"; }
# the lines in this order (each a regex), somewhere in the file
expect_order() {
	local name=$1 file=$2 n=0
	shift 2
	local re
	for re in "$@"; do
		local m
		m=$(tail -n +$((n + 1)) "$TMP/$name.$file" | grep -nE -m1 -- "$re" | cut -d: -f1)
		[ -n "$m" ] || { fail "$name: '$re' missing after line $n of $file"; return; }
		n=$((n + m))
	done
}
CMDLINE="console=serial0,115200 console=tty1 root=/dev/nfs nfsroot=192.168.1.1:/srv/pitest/rootfs,vers=3,tcp rw ip=dhcp rootwait"
expect_handoff() {
	expect_rc "$1" 0
	expect_line "$1" err "vpi: kernel hand-off (the NFS phase is not built yet)"
	[ "$(cat "$TMP/$1.cmdline" 2>/dev/null)" = "${2:-$CMDLINE}" ] ||
		fail "$1: cmdline '$(cat "$TMP/$1.cmdline" 2>/dev/null)'"
}

echo "board: ${BOARD[*]}  server: $SERVER"
start=$(date +%s)

# pi2: bootcode.bin from SD, then its TFTP sequence and start.elf's
run_board pi2 pi2 be:27:eb:15:e4:ef 8d8696f5
expect_handoff pi2
expect_order pi2 out "^Done ARP for 192.168.1.1 got $SRV_MAC$" \
	"^Read File: config.txt, [0-9]+ \(bytes\)$" "^Read File: start.elf, [0-9]+ \(bytes\)$" \
	"^Read File: fixup.dat, [0-9]+ \(bytes\)$" \
	"^MESS:[0-9:.]+:0: brfs: File read: /mfs/sd/config.txt$" \
	"^MESS:[0-9:.]+:0: brfs: File read: /mfs/sd/bcm2709-rpi-2-b.dtb$" \
	"^MESS:[0-9:.]+:0: brfs: File read: /mfs/sd/overlays/vc4-kms-v3d.dtbo$" \
	"^MESS:[0-9:.]+:0: Read command line from file 'cmdline.txt':$" \
	"^MESS:[0-9:.]+:0: 'console=serial0" \
	"^MESS:[0-9:.]+:0: Loading 'kernel7.img' to 0x8000 size 0x[0-9a-f]+$" \
	"^MESS:[0-9:.]+:0: Loading 'bcm2709-rpi-2-b.dtb' to 0x[0-9a-f]+ size 0x[0-9a-f]+$"
expect_no_re pi2 out "kernel-never"

# pi3b+: ROM (bootcode.bin, bootsig.bin), bootcode.bin's second DHCP, then on
run_board pi3bplus pi3b+ b8:27:eb:86:96:f5 5586d96f
expect_handoff pi3bplus
expect_order pi3bplus out "^Raspberry Pi Bootcode$" "^Sending DHCP request$" \
	"^Read File: start.elf, " "^MESS:[0-9:.]+:0: brfs: File read: /mfs/sd/overlays/disable-wifi.dtbo$" \
	"^MESS:[0-9:.]+:0: Loading 'kernel8.img' to 0x80000 size " \
	"^MESS:[0-9:.]+:0: Loading 'bcm2710-rpi-3-b-plus.dtb' to "
n=$(grep -c "DHCPOFFER(vsrv) 192.168.1.103 b8:27:eb:86:96:f5" "$TMP/dnsmasq.log")
[ "$n" -ge 2 ] || fail "pi3b+: $n OFFERs in dnsmasq's log, expected 2 (ROM, bootcode.bin)"

# pi3b: the ROM needs the three trailing spaces (given); no disable-wifi ([pi3+] only)
run_board pi3b pi3b b8:27:eb:64:24:7d 5564247d
expect_handoff pi3b
expect_re pi3b out "brfs: File read: /mfs/sd/bcm2710-rpi-3-b.dtb$"
expect_no_re pi3b out "disable-wifi"

# pi4b: bootloader (prefix probe falls back to the root), start4.elf
run_board pi4b pi4b dc:a6:32:01:36:c2 10000000aabbccdd
expect_handoff pi4b
expect_order pi4b out " TFTP_GET: $SRV_MAC 192.168.1.1 aabbccdd/start4.elf$" \
	" TFTP 1: .*not found" " TFTP_GET: $SRV_MAC 192.168.1.1 aabbccdd/start.elf$" \
	" TFTP 1: .*not found" " Read config.txt bytes +[0-9]+ hnd 0x[0-9a-f]+$" \
	" TFTP_GET: $SRV_MAC 192.168.1.1 recover4.elf$" " Loading start4.elf \.\.\.$" \
	" TFTP_GET: $SRV_MAC 192.168.1.1 start4.elf$" \
	" Read start4.elf bytes +[0-9]+ hnd 0x" " Read fixup4.dat bytes " \
	" Starting start4.elf @ 0xfec00200 partition 0$" \
	"^MESS:[0-9:.]+:0: brfs: File read: /mfs/sd/bcm2711-rpi-4-b.dtb$" \
	"^MESS:[0-9:.]+:0: Read command line from file 'cmdline.txt':$" \
	"^MESS:[0-9:.]+:0: Loading 'kernel8.img' to 0x80000 "
expect_re pi4b err "^vpi: bootloader: no start\*.elf under the prefix: using the TFTP root$"

# pi4b with its serial folder: everything from b7f44626/
run_board pi4b_serial pi4b dc:a6:32:01:36:c3 10000000$P4
expect_handoff pi4b_serial "$CMDLINE pitest.folder=serial"
expect_re pi4b_serial out " Read $P4/start4.elf bytes "
expect_re pi4b_serial out "brfs: File read: /mfs/sd/$P4/kernel8.img$"
expect_no_re pi4b_serial out "TFTP_GET: .* (start4.elf|config.txt)$"

# pi4b with a corrupt kernel: handed off, then caught by the virtual kernel
run_board pi4b_corrupt pi4b dc:a6:32:01:36:c3 $PC
expect_rc pi4b_corrupt 4
expect_re pi4b_corrupt out " Read $PC/start4.elf bytes "
expect_re pi4b_corrupt out "^MESS:[0-9:.]+:0: Loading 'kernel8.img' to 0x80000 "
expect_line pi4b_corrupt err "vpi: $PC/kernel8.img failed its integrity check (size or CRC wrong, $(stat -c %s "$ROOT/$PC/kernel8.img") bytes): a real board would hang here"
expect_no_re pi4b_corrupt err "hand-off"

# pi5: the bootloader loads everything
run_board pi5 pi5 2c:cf:67:00:00:01 0c8f7e5cbd989ae1
expect_handoff pi5
expect_order pi5 out " TFTP_GET: $SRV_MAC 192.168.1.1 bd989ae1/config.txt$" \
	" TFTP 1: " " Read config.txt bytes " " Read bcm2712-rpi-5-b.dtb bytes " \
	" Loaded overlay 'overlays/vc4-kms-v3d.dtbo'$" \
	" Read command line from file 'cmdline.txt':$" \
	" Read kernel_2712.img bytes " " Loading 'kernel_2712.img' to " \
	" Device tree loaded to 0x[0-9a-f]+ \(size 0x[0-9a-f]+\)$" " Kernel relocated to " \
	" Starting OS [0-9]+ ms$"

if [ "$SERVER" = dnsmasq ]; then
	# every found file is probed then read: dnsmasq logs the aborted probes
	grep -q "error 0 Early terminate received from 192.168.1.10" "$TMP/dnsmasq.log" ||
		fail "dnsmasq logged no Early terminate probe"
fi

echo "took $(($(date +%s) - start)) s"
[ "$FAILED" = 0 ] && echo PASS
exit "$FAILED"
