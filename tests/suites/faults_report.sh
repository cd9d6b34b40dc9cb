#!/usr/bin/env bash
# Checks the report of the fault catalogue (suite_faults, run by ctest just
# before through pitest_add_suite): every model ran, nothing failed, cases
# that recover carry all six phases of the boot, cases that fail stop
# timing where the boot stopped, and the NFS restart kept handles valid.
set -euo pipefail
: "${FAULTS_REPORT:?run from ctest}" "${PITEST_SOURCE_DIR:?run from ctest}"
fail() { echo "FAIL: $*" >&2; exit 1; }
xml=$FAULTS_REPORT.xml events=$FAULTS_REPORT.events.jsonl
[ -s "$xml" ] && [ -s "$events" ] || fail "no report from suite_faults in $FAULTS_REPORT.*"
xmllint --noout --schema "$PITEST_SOURCE_DIR/tests/config/junit.xsd" "$xml"
python3 - "$xml" "$events" <<'PY'
import json, sys, xml.dom.minidom as m
xml, events = sys.argv[1], sys.argv[2]
def fail(msg): sys.exit("FAIL: " + msg)
cases = {}
for tc in m.parse(xml).getElementsByTagName("testcase"):
    if tc.getElementsByTagName("failure") or tc.getElementsByTagName("error"):
        fail("%s failed" % tc.getAttribute("name"))
    props = {p.getAttribute("name") for p in tc.getElementsByTagName("property")}
    cases.setdefault(tc.getAttribute("name"), []).append((tc.getAttribute("classname"), props))
if len(cases) < 25 or sum(len(v) for v in cases.values()) < 100:
    fail("only %d cases, %d testcases" % (len(cases), sum(len(v) for v in cases.values())))
boot = ["phase." + p for p in ("boot-dhcp", "firmware", "kernel-dhcp", "nfs-root", "init", "userland")]
recovers = {"one-offer-dropped": 5, "two-offers-dropped": 5, "offer-delayed-past-timeout": 5,
            "nak-restarts-dhcp": 5, "missing-config-txt": 5, "missing-serial-folder": 2,
            "stalled-transfer-next-boot-mode": 2, "dropped-read-is-retransmitted": 5,
            "jukebox-delays-the-boot": 5, "nfs-server-restart-mid-boot": 5}
for name, want in recovers.items():
    runs = cases.get(name, [])
    if len(runs) != want:
        fail("%s ran on %d boards, want %d" % (name, len(runs), want))
    for board, props in runs:
        missing = [p for p in boot if p not in props]
        if missing:
            fail("%s on %s recovered but lacks %s" % (name, board, ", ".join(missing)))
# A boot that a fault stops is timed up to where it stopped, and no further.
stops = {"mount-refused": "phase.kernel-dhcp", "io-error-on-init": "phase.nfs-root",
         "missing-device-tree": "phase.firmware", "every-offer-dropped": None}
for name, last in stops.items():
    for board, props in cases.get(name, []) or fail("no testcases of " + name):
        have = [p for p in boot if p in props]
        want = boot[:boot.index(last) + 1] if last else []
        if have != want:
            fail("%s on %s has phases %s, want %s" % (name, board, have, want))
models = set()
restarts, stale = 0, 0
for line in open(events):
    e = json.loads(line)
    if e["event"] == "server.start" and e.get("server") == "nfs":
        if e.get("status") != "ok":
            fail("the NFS server did not start again: %s" % e)
        restarts += 1
    if e["event"] == "rpc.call" and e.get("status") == "NFS3ERR_STALE":
        stale += 1
if restarts < 5:
    fail("%d NFS restarts, want one per board" % restarts)
if stale:
    fail("%d calls answered NFS3ERR_STALE: handles did not survive the restart" % stale)
print("faults: %d cases, %d testcases; %d NFS restarts, no stale handle" %
      (len(cases), sum(len(v) for v in cases.values()), restarts))
PY
