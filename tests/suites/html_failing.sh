#!/usr/bin/env bash
# The HTML report of a failing case of the virtual lab, rendered by headless
# Chromium: the whole boot of a Pi 4 with its kernel image missing (it is
# expected to reach the login prompt, so the case fails in the firmware
# phase), run with --html and --capture. Chromium must load the board's page
# without a console message or failed request, its script must run, and the
# SVG timeline must have a bar per TFTP transfer of the board's events.jsonl
# (the kernel's failed one red), the fault where it fired and the failure
# mark. The screenshot stays to look at: $PITEST_BUILD_DIR/html-failing.png.
. "$(dirname "$0")/common.sh"
lab="$PITEST_SOURCE_DIR/fixtures/labs/virtual.yaml"
png="${PITEST_BUILD_DIR:-$tmp}/html-failing.png"

browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "skipped: chromium is missing (scripts/install-deps.sh installs it)"; exit 77; }

cat > "$tmp/nokernel.yaml" <<YAML
suite: nokernel
cases:
  - name: boots-without-kernel
    description: the kernel image is missing, yet the case expects the login prompt
    boot: full-boot
    models: [pi4b]
    faults:
      - { server: tftp, on: rrq, action: missing, file: "kernel*.img" }
YAML
set +e
"$PITEST_BIN" --suite "$tmp/nokernel.yaml" --lab "$lab" --junit "$tmp/out.xml" --capture \
  --html "$tmp/html" -q > "$tmp/stdout" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$tmp/stdout"; fail "exit $rc, want 1 (the case fails)"; }
page="$tmp/html/boots-without-kernel/pi4b-1.html"
[ -s "$page" ] || fail "no page $page"
events="$tmp/out-artifacts/boots-without-kernel/pi4b-1/events.jsonl"
# Transfers the firmware finished or failed (not its size probes).
want_bars=$(python3 - "$events" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev.get("event") in ("tftp.done", "tftp.error", "tftp.timeout"):
        n += 1
print(n)
PY
)
[ "$want_bars" -ge 3 ] || fail "events.jsonl has $want_bars finished TFTP transfers"

DBUS_SESSION_BUS_ADDRESS=disabled: timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
  --no-first-run --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --hide-scrollbars \
  --window-size=1600,1000 --screenshot="$png" --dump-dom "file://$page" \
  > "$tmp/dom.html" 2> "$tmp/chromium.log" || { tail -5 "$tmp/chromium.log"; fail "chromium failed"; }
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "no PNG at $png"
if grep -E 'INFO:CONSOLE|Uncaught|net::ERR_' "$tmp/chromium.log"; then
  fail "the page logged to the console or a request failed"
fi
dom=$(cat "$tmp/dom.html")
grep -q 'data-ready="bars=' <<<"$dom" || fail "the page's script did not run"
# The first (full) timeline's bars; a zoomed copy may repeat them.
bars=$(python3 - "$tmp/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
svg = re.search(r'<svg[^>]*class="timeline[^"]*"[^>]*>.*?</svg>', dom, re.S)
print(len(re.findall(r'<rect class="bar tftp', svg.group(0))) if svg else -1)
PY
)
[ "$bars" -eq "$want_bars" ] || fail "the timeline has $bars TFTP bars, events.jsonl $want_bars transfers"
grep -qE '<rect class="bar tftp error[^"]*" data-file="[^"]*kernel[^"]*\.img"' <<<"$dom" ||
  fail "no red bar for the missing kernel image"
grep -q '<g class="fault" data-action="missing"' <<<"$dom" || fail "the fault is not marked"
grep -q 'class="failure-mark"' <<<"$dom" || fail "no failure mark"
# The capture link must lead, from the page, to this board's pcapng file.
capture=$(python3 - "$tmp/dom.html" "$(dirname "$page")" <<'PY'
import os, re, sys, urllib.parse
dom = open(sys.argv[1]).read()
m = re.search(r'<a class="artifact" data-artifact="capture.pcapng" href="([^"]+)"', dom)
print(os.path.normpath(os.path.join(sys.argv[2], urllib.parse.unquote(m.group(1)))) if m else "")
PY
)
[ -n "$capture" ] || fail "no link to the capture"
case $capture in */pi4b-1/capture.pcapng) ;; *) fail "the capture link leads to $capture, not the board's capture" ;; esac
[ -f "$capture" ] || fail "the capture link leads to $capture, which is missing"
[ "$(head -c 4 "$capture" | od -An -tx1 | tr -d ' \n')" = 0a0d0d0a ] || fail "$capture is not pcapng"
assert_nothing_left
echo "html_failing: $bars TFTP bars, fault and failure marked; screenshot $png"
