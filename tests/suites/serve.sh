#!/usr/bin/env bash
# `pitest serve` on a real interface (a veth in a namespace of this test):
# busybox udhcpc as a Pi-like client gets the seed's reservation and the
# PXE hint; tftp-hpa's client fetches a file of the lab's TFTP root; the
# lease survives a restart of `pitest serve`; Ctrl-C exits 0.
. "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root for ip netns"; exit 77; }
command -v busybox >/dev/null || { echo "skipped: busybox missing"; exit 77; }
ns_s=pt-serve-s$$ ns_c=pt-serve-c$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  ip netns del $ns_s 2>/dev/null || true; ip netns del $ns_c 2>/dev/null || true; rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add $ns_s; ip netns add $ns_c
# Made inside the namespaces: the host's links are never touched.
ip -n $ns_s link add srv0 type veth peer name cli0 netns $ns_c
ip -n $ns_s addr add 192.168.1.1/24 dev srv0
ip -n $ns_c link set cli0 address be:27:eb:15:e4:ef
for ns in $ns_s $ns_c; do ip -n $ns link set lo up; done
ip -n $ns_s link set srv0 up; ip -n $ns_c link set cli0 up
ip netns exec $ns_s ethtool -K srv0 tx off >/dev/null
ip netns exec $ns_c ethtool -K cli0 tx off >/dev/null

# The seed lab, on this test's interface, serving a generated boot tree.
"$PITEST_BIN" mktree --server 192.168.1.1 "$tmp/tftp" >/dev/null
# answer: any -- the unknown client below must get a range address too.
sed -e 's/enx0050b6175c07/srv0/' -e "s|/srv/tftp|$tmp/tftp|" -e 's/^dhcp:$/dhcp:\n  answer: any/' \
  "$PITEST_SOURCE_DIR/fixtures/labs/seed.yaml" > "$tmp/lab.yaml"
cat > "$tmp/print.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip opt43=$opt43 siaddr=$siaddr"
exit 0
SH
chmod +x "$tmp/print.sh"
serve() {
  ip netns exec $ns_s "$PITEST_BIN" serve --lab "$tmp/lab.yaml" --leases "$tmp/leases" --events "$tmp/ev$1.jsonl" > "$tmp/serve$1.out" 2>&1 &
  serve_pid=$!; pids+=($serve_pid)
  for _ in $(seq 50); do grep -q "serving DHCP" "$tmp/serve$1.out" && return 0; sleep 0.1; done
  cat "$tmp/serve$1.out"; fail "pitest serve did not start"
}
lease() {
  ip netns exec $ns_c timeout 20 busybox udhcpc -f -q -n -t 3 -T 2 -i cli0 -s "$tmp/print.sh" \
    -V "PXEClient:Arch:00000:UNDI:002001" -x 0x5d:0000 -x 0x5e:010201 -O 43 2>/dev/null
}

serve 1
out=$(lease) || fail "udhcpc got no lease from pitest serve"
echo "$out"
grep -q "ip=192.168.1.100 " <<<"$out" || fail "not the seed's reserved address"
grep -q "opt43=0601030a0400505845091400001152617370626572727920506920426f6f74ff " <<<"$out" || fail "option 43 is not dnsmasq's"
grep -q '"event":"dhcp.ack".*"ip":"192.168.1.100"' "$tmp/ev1.jsonl" || grep -q '"board":"pi2-seed","event":"dhcp.ack"' "$tmp/ev1.jsonl" || fail "no dhcp.ack event"

# The board's address now fetches from the TFTP root, attributed to the board.
ip -n $ns_c addr add 192.168.1.100/24 dev cli0
(cd "$tmp" && ip netns exec $ns_c timeout 20 tftp 192.168.1.1 -m binary -c get start.elf got.elf) \
  || fail "tftp-hpa could not fetch start.elf from pitest serve"
cmp -s "$tmp/got.elf" "$tmp/tftp/start.elf" || fail "start.elf differs from the tree's"
for _ in $(seq 20); do grep -q '"board":"pi2-seed","event":"tftp.done"' "$tmp/ev1.jsonl" && break; sleep 0.1; done
grep -q '"board":"pi2-seed","event":"tftp.done"' "$tmp/ev1.jsonl" || fail "no tftp.done event for pi2-seed"
ip -n $ns_c addr del 192.168.1.100/24 dev cli0

# An unknown client gets a range address; after a restart it gets the same one.
ip -n $ns_c link set cli0 address 02:00:00:00:00:42
out=$(lease) || fail "unknown MAC got no lease"
first=$(sed -n 's/.*ip=\([0-9.]*\) .*/\1/p' <<<"$out")
case $first in 192.168.1.1[5-9][0-9]) ;; *) fail "range address expected, got '$first'";; esac
kill -INT $serve_pid; wait $serve_pid; rc=$?
[ $rc -eq 0 ] || fail "pitest serve exited $rc on Ctrl-C"
grep -q "$first" "$tmp/leases" || fail "lease file does not hold $first"

serve 2
out=$(lease) || fail "no lease after restart"
second=$(sed -n 's/.*ip=\([0-9.]*\) .*/\1/p' <<<"$out")
[ "$first" = "$second" ] || fail "lease lost across restart: $first then $second"
echo "serve: reservation, PXE hint and a lease kept across a restart ($first)"
