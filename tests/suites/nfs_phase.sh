#!/usr/bin/env bash
# The NFS acceptance run: every case of nfs-phase on every board it names
# passes on the virtual lab (pitest's own DHCP, TFTP and NFS servers, boot
# tree and NFS roots generated for the run), with a schema-valid JUnit
# report, the NFS events in the events file, every model at its login
# prompt, per-board roots written only by their own board, and the
# generated trees removed afterwards.
. "$(dirname "$0")/common.sh"
# 7 cases over the lab's boards give 32 testcases.
run_suite_on_virtual_lab nfs-phase 32
assert_events rpc.call rpc.connect nfs.mount fault.applied vpi.exit
# Every board reached its login prompt and mounted its own root.
for b in pi2-1:rootfs pi3b-1:rootfs pi3bplus-1:pi3bplus-1 pi4b-1:pi4b-1 pi5-1:rootfs; do
  grep -q "\"board\":\"${b%%:*}\",\"event\":\"console.line\",\"text\":\"[a-z0-9-]* login: \"" "$tmp/events.jsonl" \
    || fail "${b%%:*} never showed a login prompt"
  grep -q "\"board\":\"${b%%:*}\",\"event\":\"nfs.mount\",\"path\":\"/srv/pitest/${b#*:}\",\"status\":\"MNT3_OK\"" \
    "$tmp/events.jsonl" || fail "${b%%:*} never mounted /srv/pitest/${b#*:}"
done
# Writes into a per-board root come from that board only.
for root in pi3bplus-1 pi4b-1; do
  others=$(grep "\"event\":\"rpc.call\".*\"proc\":\"\(WRITE\|CREATE\|MKDIR\|REMOVE\|RENAME\|SETATTR\)\".*\"path\":\"/srv/pitest/$root/" \
    "$tmp/events.jsonl" | grep -v "\"board\":\"$root\"" || true)
  [ -z "$others" ] || fail "another board wrote into /srv/pitest/$root: $others"
  grep -q "\"board\":\"$root\",\"event\":\"rpc.call\".*\"proc\":\"WRITE\".*\"path\":\"/srv/pitest/$root/etc/machine-id\"" \
    "$tmp/events.jsonl" || fail "$root never wrote its /etc/machine-id"
done
[ -z "$(ls -A "$tmp/t")" ] || fail "generated trees were left behind: $(ls "$tmp/t")"
assert_nothing_left
echo "nfs-phase: $n testcases passed"
