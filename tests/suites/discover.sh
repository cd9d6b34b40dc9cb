#!/usr/bin/env bash
# `pitest discover` on a bridge with one virtual board of each model behind
# it and no DHCP server, so the boards keep asking: discover must print each
# board's MAC, model and serial (where the model's DISCOVER carries it: not
# the 3B ROM's), its stanzas must load as a lab, and it must send nothing
# (the bridge's tx counter stays 0 and no board ever sees an offer).
# Everything lives in namespaces of this test; nothing is left behind.
. "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root for ip netns"; exit 77; }
command -v ethtool >/dev/null || { echo "skipped: ethtool missing"; exit 77; }
hub=pt-disc-h$$
# name model mac serial (fixtures/labs/virtual.yaml's boards)
boards=(
  "pi2-1 pi2 b8:27:eb:5e:2a:71 3f5e2a71"
  "pi3b-1 pi3b b8:27:eb:b2:c3:d4 00000000a1b2c3d4"
  "pi3bplus-1 pi3b+ b8:27:eb:9e:41:f2 6c9e41f2"
  "pi4b-1 pi4b dc:a6:32:12:34:56 1a2b3c4d"
  "pi5-1 pi5 2c:cf:67:0a:1b:2c 5d3f9a10e4b7c822"
)
pids=()
cleanup() {
  local p ns
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for ns in $hub $(seq -f "pt-disc-b%g-$$" 0 4); do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# The hub: a bridge (no STP: ports forward at once; no multicast snooping,
# whose IGMP joins would be the bridge's own frames), IPv6 off so its own
# stack sends nothing either; a veth port per board namespace.
ip netns add $hub
ip netns exec $hub sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n $hub link set lo up
ip -n $hub link add br0 type bridge stp_state 0 mcast_snooping 0
for i in "${!boards[@]}"; do
  read -r _ _ mac _ <<<"${boards[$i]}"
  ns=pt-disc-b$i-$$
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n $hub link add dp$i type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set eth0 address "$mac"
  ip -n $hub link set dp$i master br0
  ip -n $hub link set dp$i up
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
done
ip -n $hub link set br0 up
tx_before=$(ip netns exec $hub cat /sys/class/net/br0/statistics/tx_packets)

# Usage and capture errors: one line each.
set +e
out=$("$PITEST_BIN" discover 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "give --iface IF" <<<"$out" || fail "no --iface: exit $rc, '$out'"
out=$(ip netns exec $hub "$PITEST_BIN" discover --iface nosuch0 --timeout 1 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$out" = "pitest discover: no interface 'nosuch0' here (\`ip link\` lists them)" ] ||
  fail "missing interface: exit $rc, '$out'"
if command -v setpriv >/dev/null; then
  out=$(ip netns exec $hub setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    "$PITEST_BIN" discover --iface br0 --timeout 1 2>&1); rc=$?
  [ $rc -eq 1 ] && grep -q "^pitest discover: no permission to capture on br0: .*CAP_NET_RAW" <<<"$out" &&
    [ "$(wc -l <<<"$out")" -eq 1 ] || fail "no permission: exit $rc, '$out'"
fi
set -e

# discover first, then the boards (each keeps asking: nobody answers).
ip netns exec $hub "$PITEST_BIN" discover --iface br0 --timeout 6 > "$tmp/discover.out" 2> "$tmp/discover.err" &
disc=$!; pids+=($disc)
for _ in $(seq 50); do grep -q "listening on br0" "$tmp/discover.err" && break; sleep 0.1; done
grep -q "listening on br0" "$tmp/discover.err" || { cat "$tmp/discover.err"; fail "discover did not start"; }
for i in "${!boards[@]}"; do
  read -r name model mac serial <<<"${boards[$i]}"
  ip netns exec "pt-disc-b$i-$$" timeout 15 "$PITEST_BIN" vpi --model "$model" --mac "$mac" --serial "$serial" \
    --iface eth0 --time-scale 10 > "$tmp/$name.out" 2> "$tmp/$name.err" &
  pids+=($!)
done
set +e
wait $disc; rc=$?
set -e
cat "$tmp/discover.out"
[ $rc -eq 0 ] || { cat "$tmp/discover.err"; fail "discover exited $rc"; }
tx_after=$(ip netns exec $hub cat /sys/class/net/br0/statistics/tx_packets)

# Each board: printed once in the stanzas, with the MAC, a model list that
# holds the real one (sure where the DISCOVER tells: pi3b, pi4b, pi5) and
# the serial's low 32 bits (the 3B ROM sends none).
for b in "${boards[@]}"; do
  read -r name model mac serial <<<"$b"
  n=$(grep -c "^  - { .*mac: \"$mac\"" "$tmp/discover.out" || true)
  [ "$n" -eq 1 ] || fail "$name: $n stanzas for $mac, want 1"
  st=$(grep "^  - { .*mac: \"$mac\"" "$tmp/discover.out")
  grep -q "^seen    $mac model " "$tmp/discover.out" || fail "$name: no 'seen' line for $mac"
  guess=$(sed 's/.* model: \([^,]*\),.*/\1/' <<<"$st")
  alts=$(sed -n 's/.*# model guessed, could be \([^;]*\).*/\1/p' <<<"$st")
  case $model in
    pi2|pi3b+) [[ ", $guess, $alts," == *", $model,"* ]] || fail "$name: $model not among '$guess, $alts'" ;;
    *) [ "$guess" = "$model" ] && [ -z "$alts" ] || fail "$name: model '$guess' (or '$alts'), want exactly $model" ;;
  esac
  low=${serial: -8}
  if [ "$model" = pi3b ]; then
    grep -q 'serial:' <<<"$st" && fail "$name: a serial the 3B ROM does not send: $st"
    grep -q "serial not sent by the 3B ROM, low 24 bits ${low:2}" <<<"$st" || fail "$name: no MAC-serial note: $st"
  else
    grep -qF "serial: \"$low\"" <<<"$st" || fail "$name: serial $low missing: $st"
  fi
done
[ "$(grep -c '^  - { ' "$tmp/discover.out")" -eq ${#boards[@]} ] || fail "not exactly ${#boards[@]} stanzas"

# The stanzas make a lab the loader takes (a real lab: power manual, console none).
{ echo "lab: found"; echo "network: { interface: br0 }"; sed -n '/^boards:$/,$p' "$tmp/discover.out"; } > "$tmp/found.yaml"
"$PITEST_BIN" resources --lab "$tmp/found.yaml" > "$tmp/resources.json" || { cat "$tmp/found.yaml"; fail "stanzas do not load as a lab"; }

# Passive: the discover host sent no frame, and no board got an offer.
[ "$tx_before" -eq 0 ] && [ "$tx_after" -eq 0 ] || fail "frames sent from the discover host: tx $tx_before -> $tx_after"
for b in "${boards[@]}"; do
  read -r name _ <<<"$b"
  grep -qE "DHCP src|YI_ADDR|OFFER" "$tmp/$name.out" "$tmp/$name.err" && fail "$name saw a DHCP reply"
done
grep -q "no usable DHCP offer after 5 DISCOVERs; board halted" "$tmp/pi3b-1.err" ||
  { cat "$tmp/pi3b-1.err"; fail "pi3b: the ROM did not give up unanswered"; }
echo "discover: ${#boards[@]} boards found with MAC, model and serial; nothing sent"
