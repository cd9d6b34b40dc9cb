#!/usr/bin/env bash
# Per-run artifacts (harness/artifacts.h): the whole boot on every board of
# the virtual lab with --junit, then for every testcase its four files exist,
# the JUnit attaches them (paths relative to the working directory, which
# exist) and stays schema-valid, console.log has a timestamp per console
# line, and tshark decodes in capture.pcapng the DHCP OFFER with option 43
# (PXE), the TFTP read requests with their options and the NFS/MOUNT calls,
# one for one with the board's events.jsonl. Then a failing case repeated
# twice into --artifacts DIR (absolute links, CASE#RUN directories, verdict
# failed), no capture without --capture, and --no-artifacts writes none.
. "$(dirname "$0")/common.sh"
command -v tshark >/dev/null || { echo "skipped: needs tshark (scripts/install-deps.sh)"; exit 77; }
lab="$PITEST_SOURCE_DIR/fixtures/labs/virtual.yaml"
schema="$PITEST_SOURCE_DIR/tests/config/junit.xsd"

# 1. full-boot, run from $tmp with a relative --junit: default directory;
# --capture for the packets, --html for the report of it all.
cd "$tmp"
set +e
"$PITEST_BIN" --suite full-boot --lab "$lab" --junit out.xml --capture --html html -q > stdout 2> stderr
rc=$?
set -e
cat stdout
[ $rc -eq 0 ] || { cat stderr >&2; fail "pitest exited $rc"; }
grep -q "artifacts" stderr && { cat stderr >&2; fail "pitest complained about the artifacts"; }
xmllint --noout --schema "$schema" out.xml
[ -d out-artifacts ] || fail "no out-artifacts directory beside out.xml"
# --html: the report of those artifacts, a page per case and board
[ -s html/index.html ] || fail "--html html wrote no html/index.html"
pages=$(find html -mindepth 2 -name '*.html' | wc -l)
[ "$pages" -ge 5 ] || fail "--html: $pages case pages, want one per board"
grep -q 'class="bar tftp' html/*/pi4b-1.html || fail "--html: the pi4b-1 page has no TFTP bars"
if python3 - out.xml full-boot <<'PY'
import json, os, re, subprocess, sys
import xml.dom.minidom as minidom

report, suite = sys.argv[1], sys.argv[2]
doc = minidom.parse(report)
cases = doc.getElementsByTagName("testcase")
if not cases:
    sys.exit("no testcases")
files = ["console.log", "capture.pcapng", "events.jsonl", "result.json"]
blksize_seen = False

# The kernel's NFS client connects from a random reserved port, which may be
# one a dissector claims (988 is Lustre's lnet): RPC's heuristic goes first.
def tshark(path, filt, *fields):
    out = subprocess.run(["tshark", "-r", path, "-o", "tcp.try_heuristic_first:TRUE",
                          "-Y", filt, "-T", "fields", "-E", "separator=|",
                          "-E", "occurrence=a", "-E", "aggregator=,"] +
                         [a for f in fields for a in ("-e", f)],
                         capture_output=True, text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines()]

for tc in cases:
    name, board = tc.getAttribute("name"), tc.getAttribute("classname")[len(suite) + 1:]
    where = "%s on %s" % (name, board)
    d = os.path.join("out-artifacts", name, board)
    out = "".join(n.data for so in tc.getElementsByTagName("system-out") for n in so.childNodes)
    links = re.findall(r"^\[\[ATTACHMENT\|(.*)\]\]$", out, re.M)
    if links != [os.path.join(d, f) for f in files]:
        sys.exit("%s: attachments %s, want the four files of %s" % (where, links, d))
    for link in links:
        if os.path.isabs(link) or not os.path.isfile(link):
            sys.exit("%s: attachment %s is not a file relative to the working directory" % (where, link))
    if "power.on" not in out:
        sys.exit("%s: system-out lost its timeline" % where)
    events = [json.loads(l) for l in open(os.path.join(d, "events.jsonl"))]
    if not events or any(e["board"] != board for e in events):
        sys.exit("%s: events.jsonl is empty or has other boards' events" % where)
    lines = open(os.path.join(d, "console.log")).read().splitlines()
    texts = [e["text"] for e in events if e["event"] == "console.line"]
    if len(lines) != len(texts) or not lines:
        sys.exit("%s: console.log has %d lines, the events %d console lines" % (where, len(lines), len(texts)))
    for line, text in zip(lines, texts):
        if not re.match(r"^\[\d{4,}\.\d{3}\] ", line) or line[11:] != text:
            sys.exit("%s: console.log line %r, want '[SSSS.mmm] %s'" % (where, line, text))
    res = json.load(open(os.path.join(d, "result.json")))
    want = {"suite": suite, "case": name, "board": board, "verdict": "passed", "message": "", "type": ""}
    for k, v in want.items():
        if res.get(k) != v:
            sys.exit("%s: result.json %s=%r, want %r" % (where, k, res.get(k), v))
    if not res["model"] or not res["t_end"] > res["t_start"] or "nfs-root" not in res["phases"]:
        sys.exit("%s: result.json lacks model, times or phases: %s" % (where, res))

    cap = os.path.join(d, "capture.pcapng")
    # DHCP: every OFFER the server sent the board, in order, option 43 where the event has the PXE hint.
    got = [(x, "43" in opts.split(",")) for x, opts in tshark(cap, "dhcp.option.dhcp == 2", "dhcp.id", "dhcp.option.type")]
    want = [(e["xid"], "pxe" in e) for e in events if e["event"] == "dhcp.offer"]
    if [(int(x, 16), p) for x, p in got] != [(int(x, 16), p) for x, p in want] or not any(p for _, p in want):
        sys.exit("%s: DHCP offers in the capture %s, in the events %s (want one with option 43)" % (where, got, want))
    # TFTP: each read request with its file and options.
    got = []
    for f, names, values in tshark(cap, "tftp.opcode == 1", "tftp.source_file", "tftp.option.name", "tftp.option.value"):
        opts = " ".join("%s=%s" % nv for nv in zip(names.split(","), values.split(","))) if names else ""
        got.append((f, opts))
    want = [(e["file"], e.get("options", "")) for e in events if e["event"] == "tftp.rrq"]
    if got != want or not any("tsize=" in o for _, o in got):
        sys.exit("%s: TFTP RRQs in the capture %s, in the events %s (want tsize)" % (where, got, want))
    blksize_seen |= any("blksize=" in o for _, o in got)  # the Pi 1-3 boot code asks tsize only
    # NFS and MOUNT calls, per procedure.
    calls = {"MNT": ("mount", "rpc.msgtyp == 0 && mount.procedure_v3 == 1"),
             "LOOKUP": ("nfs", "rpc.msgtyp == 0 && nfs.procedure_v3 == 3"),
             "READ": ("nfs", "rpc.msgtyp == 0 && nfs.procedure_v3 == 6")}
    for proc, (prog, filt) in calls.items():
        got = len(tshark(cap, filt, "rpc.xid"))
        want = sum(1 for e in events if e["event"] == "rpc.call" and e["prog"] == prog and e["proc"] == proc)
        if got != want or want == 0:
            sys.exit("%s: %d %s %s calls in the capture, %d in the events" % (where, got, prog, proc, want))
    print("%s: %d console lines, %d events; capture matches its DHCP offers, TFTP RRQs and MNT/LOOKUP/READ calls" % (where, len(lines), len(events)))
if not blksize_seen:
    sys.exit("no board's TFTP RRQ in a capture has a blksize option")
PY
then :; else
  # kept for a look: the trap removes $tmp
  keep="${PITEST_BUILD_DIR:-/tmp}/suite_artifacts-failed"
  rm -rf "$keep" && cp -r out-artifacts "$keep" && echo "artifacts kept in $keep" >&2
  fail "artifacts of full-boot do not hold"
fi
n=$(xmllint --xpath 'count(//testcase)' out.xml)
[ "$n" -ge 5 ] || fail "only $n testcases, want the 5 boards"

# 2. A failing case twice into --artifacts DIR, run from elsewhere: absolute links.
cat > wrong.yaml <<'YAML'
suite: wrong
cases:
  - name: expects-the-wrong-address
    models: [pi4b]
    steps:
      - power: on
      - expect: { event: dhcp.offer, match: { ip: "192.168.1.42" }, within: 8s }
YAML
cd /
set +e
"$PITEST_BIN" --suite "$tmp/wrong.yaml" --lab "$lab" --junit "$tmp/wrong.xml" --artifacts "$tmp/art" \
  --capture --repeat 2 -q > "$tmp/stdout" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$tmp/stdout"; fail "exit $rc, want 1"; }
xmllint --noout --schema "$schema" "$tmp/wrong.xml"
[ ! -e "$tmp/wrong-artifacts" ] || fail "--artifacts DIR given, yet wrong-artifacts was made"
for r in 1 2; do
  d="$tmp/art/expects-the-wrong-address#$r/pi4b-1"
  for f in console.log capture.pcapng events.jsonl result.json; do
    [ -s "$d/$f" ] || fail "no $d/$f"
  done
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["verdict"]=="failed" and r["message"] and r["type"] and r["repetition"]==int(sys.argv[2]) else "result.json: %s" % r)' "$d/result.json" "$r"
  grep -qx "\[\[ATTACHMENT|$d/capture.pcapng\]\]" "$tmp/wrong.xml" || fail "no absolute attachment of $d/capture.pcapng"
done
[ "$(tshark -r "$tmp/art/expects-the-wrong-address#1/pi4b-1/capture.pcapng" -Y 'dhcp.option.dhcp == 1' 2>/dev/null | wc -l)" -ge 1 ] ||
  fail "the failing run's capture has no DHCP DISCOVER"
cd "$tmp"

# 3. without --capture: the other three files, no capture.
"$PITEST_BIN" --suite "$tmp/wrong.yaml" --lab "$lab" --junit nocap.xml -q > /dev/null 2>&1 || true
d=nocap-artifacts/expects-the-wrong-address/pi4b-1
for f in console.log events.jsonl result.json; do [ -s "$d/$f" ] || fail "no $d/$f without --capture"; done
[ ! -e "$d/capture.pcapng" ] || fail "a capture without --capture"
! grep -q 'capture.pcapng' nocap.xml || fail "the JUnit attaches a capture that was not asked for"

# 4. --no-artifacts: none, and the JUnit attaches nothing.
"$PITEST_BIN" --suite "$tmp/wrong.yaml" --lab "$lab" --junit quiet.xml --no-artifacts -q > /dev/null 2>&1 || true
[ -s quiet.xml ] || fail "--no-artifacts: no JUnit"
[ ! -e quiet-artifacts ] || fail "--no-artifacts made quiet-artifacts"
! grep -q ATTACHMENT quiet.xml || fail "--no-artifacts: the JUnit has attachments"
assert_nothing_left
echo "artifacts: $n testcases with console, events, capture and result; failing runs and --no-artifacts too"
