#!/usr/bin/env bash
# Proxy DHCP on the virtual lab: pitest with dhcp.mode: proxy hands out no
# address; a plain dnsmasq (no PXE options, 192.168.1.2, reservations for
# the lab's boards) runs next to it on the lab's bridge, started in the
# lab's network namespace through PITEST_LAB_PEER. Every board boots to
# its login prompt (tests/suites/proxy-boot.yaml): address from dnsmasq,
# PXE hint and files from pitest.
. "$(dirname "$0")/common.sh"
for tool in dnsmasq ethtool unshare; do
  command -v $tool >/dev/null || { echo "skipped: $tool missing"; exit 77; }
done
src="$PITEST_SOURCE_DIR/fixtures/labs/virtual.yaml"
# The virtual lab, its DHCP turned into a proxy (a proxy has no range).
sed -e '/^  range:/d' -e 's/^dhcp:$/dhcp:\n  mode: proxy/' "$src" > "$tmp/lab.yaml"
grep -q '^  mode: proxy' "$tmp/lab.yaml" || fail "could not make the proxy lab from $src"
hosts=$(sed -n 's/.*mac: "\([0-9a-f:]*\)".* ip: \([0-9.]*\).*/--dhcp-host=\1,\2,1h/p' "$tmp/lab.yaml" | tr '\n' ' ')
[ "$(wc -w <<<"$hosts")" -ge 5 ] || fail "no reservations found in $src"

# Run by pitest in the lab's namespace once its bridge is up. dnsmasq gets
# a namespace of its own (an address of its own, like a router) joined to
# the bridge by a veth; it stays in this script's process group, which
# pitest ends when its servers stop.
cat > "$tmp/peer.sh" <<PEER
#!/bin/sh
set -e
ip link add pxr0 type veth peer name pxr1
ip link set pxr0 master pitest0
ethtool -K pxr0 tx off >/dev/null
ip link set pxr0 up
unshare -n sh -c '
  for i in \$(seq 100); do ip link show pxr1 >/dev/null 2>&1 && break; sleep 0.05; done
  ip link set lo up
  ip addr add 192.168.1.2/24 dev pxr1
  ethtool -K pxr1 tx off >/dev/null
  ip link set pxr1 up
  exec dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root \
    --interface=pxr1 --bind-interfaces --no-ping \
    --dhcp-range=192.168.1.150,192.168.1.199,12h $hosts \
    --dhcp-leasefile=$tmp/dnsmasq.leases --pid-file=$tmp/dnsmasq.pid \
    --log-facility=$tmp/dnsmasq.log --log-dhcp' 2>>$tmp/dnsmasq.err &
pid=\$!
# Move the link only once unshare has made the namespace (else it stays here).
for i in \$(seq 100); do
  [ "\$(readlink /proc/\$pid/ns/net)" != "\$(readlink /proc/self/ns/net)" ] && break
  sleep 0.02
done
ip link set pxr1 netns \$pid
for i in \$(seq 100); do
  ip -d link show dev pxr0 | grep -q "bridge_slave state forwarding" && \
    grep -q "DHCP, IP range" $tmp/dnsmasq.log 2>/dev/null && exit 0
  sleep 0.1
done
echo "dnsmasq did not start" >&2
exit 1
PEER
chmod +x "$tmp/peer.sh"
cleanup_dnsmasq() {
  [ -s "$tmp/dnsmasq.pid" ] && kill "$(cat "$tmp/dnsmasq.pid")" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup_dnsmasq EXIT

set +e
PITEST_LAB_PEER="$tmp/peer.sh" "$PITEST_BIN" --suite "$PITEST_SOURCE_DIR/tests/suites/proxy-boot.yaml" \
  --lab "$tmp/lab.yaml" --junit "$tmp/out.xml" --events "$tmp/events.jsonl" -q > "$tmp/stdout" 2> "$tmp/stderr"
rc=$?
set -e
cat "$tmp/stdout"
if [ $rc -ne 0 ]; then
  cat "$tmp/stderr" "$tmp/dnsmasq.err" >&2
  tail -40 "$tmp/dnsmasq.log" >&2 2>/dev/null || true
  fail "pitest exited $rc"
fi
n=$(grep -c '^PASS ' "$tmp/stdout" || true)
[ "$n" -ge 5 ] || fail "only $n boards passed, want 5"
# pitest offered no address, and dnsmasq did hand out the boards' ones.
grep '"event":"dhcp.offer"' "$tmp/events.jsonl" | grep -qv '"proxy":"true"' && fail "an offer without proxy=true"
grep '"event":"dhcp.offer"' "$tmp/events.jsonl" | grep -qv '"ip":"0.0.0.0"' && fail "pitest offered an address"
grep -q 'DHCPACK' "$tmp/dnsmasq.log" || fail "dnsmasq acknowledged no address"
grep -q '"event":"dhcp.ignored"' "$tmp/events.jsonl" && fail "a lab board was ignored"
# Its process group ended with the run: no dnsmasq of ours is left.
sleep 0.3
if [ -s "$tmp/dnsmasq.pid" ] && kill -0 "$(cat "$tmp/dnsmasq.pid")" 2>/dev/null; then
  fail "dnsmasq outlived the run"
fi
assert_nothing_left
echo "proxy-boot: $n boards booted with pitest as proxy DHCP next to dnsmasq"
