#!/bin/bash
# vpi_dnsmasq.sh - the virtual board's DHCP phase against dnsmasq, configured
# as the usual guides do, in two private network namespaces joined by a veth.
# No TFTP server runs here: after DHCP the boards find nothing to fetch and
# react as pi-netboot.md 3.3 says (vpi_tftp_peer.sh covers the TFTP phase).
# Exits 77 (skip) without root, dnsmasq, ethtool or the driver.
set -u

BUILD=${PITEST_BUILD_DIR:-$(cd "$(dirname "$0")/../../build-vpi" && pwd)}
# `pitest vpi` when the program dispatches to the board, else the test driver
if [ -n "${PITEST_BIN:-}" ] && [ -x "$PITEST_BIN" ] && "$PITEST_BIN" vpi --help >/dev/null 2>&1; then
	BOARD=("$PITEST_BIN" vpi)
else
	BOARD=("$BUILD/tests/vpi/vpi_driver")
fi
SCALE=20

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed (dnsmasq-base)"
command -v ethtool >/dev/null || skip "ethtool not installed"
[ -x "${BOARD[0]}" ] || skip "no ${BOARD[0]}"

NS_S=vpi-srv-$$
NS_B=vpi-brd-$$
TMP=$(mktemp -d /tmp/vpi-dnsmasq.XXXXXX)
DNSMASQ_PID=
FAILED=0

cleanup() {
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null && wait "$DNSMASQ_PID" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	if [ "$FAILED" = 0 ]; then rm -rf "$TMP"; else echo "logs kept in $TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; FAILED=1; }

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

# start_dnsmasq MENU-TEXT [extra args...]
start_dnsmasq() {
	local menu=$1
	shift
	: >"$TMP/dnsmasq.log"
	rm -f "$TMP/leases"
	ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
		--bind-interfaces --interface=vsrv \
		--dhcp-range=192.168.1.50,192.168.1.150,12h \
		--dhcp-host=be:27:eb:15:e4:ef,192.168.1.100,1h \
		--dhcp-host=dc:a6:32:01:36:c2,192.168.1.101,1h \
		--dhcp-host=2c:cf:67:00:00:01,192.168.1.102,1h \
		--dhcp-host=b8:27:eb:86:96:f5,192.168.1.103,1h \
		--dhcp-host=b8:27:eb:64:24:7d,192.168.1.104,1h \
		${menu:+--pxe-service=0,"$menu"} --log-dhcp "$@" \
		--dhcp-leasefile="$TMP/leases" --pid-file="$TMP/dnsmasq.pid" \
		--log-facility="$TMP/dnsmasq.log" --user=root 2>>"$TMP/dnsmasq.err" &
	DNSMASQ_PID=$!
	for _ in $(seq 50); do
		grep -q "DHCP, IP range" "$TMP/dnsmasq.log" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "dnsmasq did not start: $(cat "$TMP/dnsmasq.err" "$TMP/dnsmasq.log")"
	exit 1
}

stop_dnsmasq() {
	kill "$DNSMASQ_PID" 2>/dev/null
	wait "$DNSMASQ_PID" 2>/dev/null
	DNSMASQ_PID=
}

# run_board NAME MODEL MAC SERIAL [timeout-seconds] -> $TMP/NAME.{out,err}, RC
run_board() {
	local name=$1 model=$2 mac=$3 serial=$4 limit=${5:-30}
	ip -n "$NS_B" link set eth0 down
	ip -n "$NS_B" link set eth0 address "$mac"
	ip -n "$NS_B" link set eth0 up
	# the board waits for carrier itself; waiting here keeps its timings real
	for _ in $(seq 50); do
		[ "$(ip netns exec "$NS_B" cat /sys/class/net/eth0/operstate)" = up ] && break
		sleep 0.1
	done
	timeout "$limit" ip netns exec "$NS_B" "${BOARD[@]}" --model "$model" --mac "$mac" \
		--serial "$serial" --iface eth0 --time-scale "$SCALE" \
		>"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
	echo "--- $name ($model) exit $RC"
	sed 's/^/    /' "$TMP/$name.out" "$TMP/$name.err"
}

expect_rc() { [ "$RC" = "$2" ] || fail "$1: exit $RC, expected $2"; }
expect_line() { grep -qxF -- "$3" "$TMP/$1.$2" || fail "$1: no line '$3' in $2"; }
expect_re() { grep -qE -- "$3" "$TMP/$1.$2" || fail "$1: nothing matching '$3' in $2"; }
expect_no_re() { ! grep -qE -- "$3" "$TMP/$1.$2" || fail "$1: unexpected '$3' in $2"; }
expect_log() { grep -qE -- "$2" "$TMP/dnsmasq.log" || fail "$1: dnsmasq log lacks '$2'"; }

echo "board: ${BOARD[*]}"
start=$(date +%s)

# --- plain config: pi2 (bootcode.bin), pi3b+, pi4b, pi5 take it, pi3b does not
start_dnsmasq "Raspberry Pi Boot"

run_board pi2 pi2 be:27:eb:15:e4:ef 8d8696f5 3
expect_line pi2 out "Raspberry Pi Bootcode"
expect_line pi2 out "Initialise ethernet with MAC be:27:eb:15:e4:ef"
expect_line pi2 out "Link up"
expect_line pi2 out "Sending DHCP request"
expect_line pi2 out "ARP request: my IP addr 192.168.1.100 my eth_addr be:27:eb:15:e4:ef ARP for addr 192.168.1.1"
expect_line pi2 out "Done ARP for 192.168.1.1 got $SRV_MAC"
# nothing answers on port 69: bootcode.bin keeps trying until killed
expect_rc pi2 124
expect_re pi2 err "^vpi: bootcode.bin: [0-9a-f]{8}/start.elf: timeout$"
expect_log pi2 "DHCPOFFER\(vsrv\) 192.168.1.100 be:27:eb:15:e4:ef"
expect_log pi2 "vendor class: PXEClient:Arch:00000:UNDI:002001"
# dnsmasq splits the list over lines: PRL 43 60 67 128-135 66 1 3
expect_log pi2 "requested options: 43:vendor-encap, 60:vendor-class, 67:bootfile-name, $"
expect_log pi2 "requested options: 128, 129, 130, 131, 132, 133, 134, 135, 66:tftp-server, $"
expect_log pi2 "requested options: 1:netmask, 3:router$"

run_board pi3bplus pi3b+ b8:27:eb:86:96:f5 5586d96f
# the ROM gets no bootcode.bin and stops (3.3)
expect_rc pi3bplus 3
[ -s "$TMP/pi3bplus.out" ] && fail "pi3b+: the ROM printed on the console"
expect_log pi3bplus "DHCPOFFER\(vsrv\) 192.168.1.103 b8:27:eb:86:96:f5"
expect_line pi3bplus err "vpi: rom: bootcode.bin: timeout"
expect_line pi3bplus err "vpi: boot ROM: bootcode.bin not loaded; board halted"

run_board pi4b pi4b dc:a6:32:01:36:c2 10000000b7f44626 3
# no TFTP answer: the bootloader keeps asking (TFTP_FILE_TIMEOUT 30 s)
expect_rc pi4b 124
expect_re pi4b out " TFTP_GET: $SRV_MAC 192.168.1.1 b7f44626/start4.elf$"
expect_re pi4b out "^ +[0-9]+\.[0-9]{2} Boot mode: SD \(01\) order f2$"
expect_re pi4b out "^ +[0-9]+\.[0-9]{2} Boot mode: NETWORK \(02\) order f$"
expect_re pi4b out " NETWORK: dc:a6:32:01:36:c2 wait for link TFTP: 0.0.0.0$"
expect_re pi4b out " DHCP src: $SRV_MAC 192.168.1.1$"
expect_re pi4b out " YI_ADDR 192.168.1.101$"
expect_re pi4b out "	op: 53 len:   1 DHCP recv OFFER \(2\) expect OFFER$"
expect_re pi4b out "	op: 43 len:  32 $"
expect_re pi4b out "		PXE op:  9 len:  20 $"
expect_re pi4b out " NET 192.168.1.101 255.255.255.0 gw 192.168.1.1 tftp 192.168.1.1$"
expect_re pi4b out "	op: 53 len:   1 DHCP recv ACK \(5\) expect ACK$"
expect_re pi4b out " ARP 192.168.1.1 $SRV_MAC$"
expect_log pi4b "DHCPREQUEST\(vsrv\) 192.168.1.101 dc:a6:32:01:36:c2"
expect_log pi4b "DHCPACK\(vsrv\) 192.168.1.101 dc:a6:32:01:36:c2"
expect_log pi4b "requested options: 1:netmask, 3:router, 43:vendor-encap, 60:vendor-class, $"
expect_log pi4b "requested options: 66:tftp-server, 67:bootfile-name, 128, 129, $"
expect_log pi4b "requested options: 130, 131, 132, 133, 134, 135$"

run_board pi5 pi5 2c:cf:67:00:00:01 0c8f7e5cbd989ae1 3
expect_rc pi5 124
expect_re pi5 out " TFTP_GET: $SRV_MAC 192.168.1.1 bd989ae1/config.txt$"
expect_re pi5 out " RP1_BOOT chip ID: 0x20001927$"
expect_re pi5 out " serial bd989ae1 boardrev d04170 "
expect_re pi5 out " NET 192.168.1.102 255.255.255.0 gw 192.168.1.1 tftp 192.168.1.1$"
expect_log pi5 "DHCPACK\(vsrv\) 192.168.1.102 2c:cf:67:00:00:01"

run_board pi3b_plain pi3b b8:27:eb:64:24:7d 5564247d
expect_rc pi3b_plain 3
[ -s "$TMP/pi3b_plain.out" ] && fail "pi3b: the ROM printed on the console"
expect_line pi3b_plain err "vpi: no usable DHCP offer after 5 DISCOVERs; board halted"
n=$(grep -c "DHCPDISCOVER(vsrv) b8:27:eb:64:24:7d" "$TMP/dnsmasq.log")
[ "$n" = 5 ] || fail "pi3b: dnsmasq saw $n DISCOVERs, expected 5"

# --- Pi 4 with no PXE answer keeps cycling through BOOT_ORDER until killed
stop_dnsmasq
start_dnsmasq ""
SCALE=200
run_board pi4b_nopxe pi4b dc:a6:32:01:36:c2 b7f44626 3
SCALE=20
expect_rc pi4b_nopxe 124
expect_re pi4b_nopxe out " NETBOOT init failed$"
expect_re pi4b_nopxe out " Boot mode: RESTART \(0f\) order 0$"
[ "$(grep -c 'Boot mode: NETWORK' "$TMP/pi4b_nopxe.out")" -ge 2 ] ||
	fail "pi4b: did not come back to NETWORK after RESTART"
expect_no_re pi4b_nopxe out " NET [0-9]"

# --- three trailing spaces: the 3B ROM takes the offer
stop_dnsmasq
start_dnsmasq "Raspberry Pi Boot   "
run_board pi3b_3sp pi3b b8:27:eb:64:24:7d 5564247d
expect_rc pi3b_3sp 3
expect_line pi3b_3sp err "vpi: boot ROM: bootcode.bin not loaded; board halted"
expect_log pi3b_3sp "DHCPOFFER\(vsrv\) 192.168.1.104 b8:27:eb:64:24:7d"
# the 3B ROM asks for 12 options, without 1 and 3
expect_log pi3b_3sp "requested options: 43:vendor-encap, 60:vendor-class, 67:bootfile-name, $"
expect_log pi3b_3sp "requested options: 128, 129, 130, 131, 132, 133, 134, 135, 66:tftp-server$"
expect_log pi3b_3sp "client-machine-id  00:44:44:44:44:44:44:44"
stop_dnsmasq

echo "took $(($(date +%s) - start)) s"
[ "$FAILED" = 0 ] && echo PASS
exit "$FAILED"
