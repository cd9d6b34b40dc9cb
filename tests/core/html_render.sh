#!/usr/bin/env bash
# The HTML report of a failing case, rendered by headless Chromium: the page
# loads without a console message or a failed request (it is self-contained),
# its inline script ran, and the DOM has the timeline's TFTP bars, the fault
# and the failure mark. The screenshot stays in the build tree to look at:
# $PITEST_BUILD_DIR/html-render/failing-case.png.
set -euo pipefail

build=${PITEST_BUILD_DIR:?}
out=$build/html-render
fail() { echo "html_render: $*" >&2; exit 1; }

find_chromium() {
	for c in chromium chromium-browser; do
		command -v "$c" >/dev/null && { command -v "$c"; return 0; }
	done
	return 1
}
if ! browser=$(find_chromium); then
	# Debian's chromium; scripts/install-deps.sh lists it for CI.
	if [ "$(id -u)" -eq 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=no; fi
	if [ "$SUDO" != no ]; then
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium \
			>/dev/null 2>&1 || true
	fi
	browser=$(find_chromium) || { echo "html_render: chromium is missing and cannot be installed" >&2; exit 77; }
fi

rm -rf "$out"
mkdir -p "$out"
"$build/tests/core/test_html" --fixture "$out/fixture"
"${PITEST_BIN:?}" report --artifacts "$out/fixture/art" --html "$out/report" \
	--history "$out/fixture/history" >/dev/null
page=$out/report/power-on-to-login/pi4-02.html
[ -f "$page" ] || fail "expected the failing case's page $page"

# One browser run (it is heavy): the screenshot and the DOM after the load event.
DBUS_SESSION_BUS_ADDRESS=disabled: timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
	--no-first-run --user-data-dir="$out/profile" --enable-logging=stderr --v=0 --hide-scrollbars \
	--window-size=1700,1000 --screenshot="$out/failing-case.png" --dump-dom "file://$page" \
	>"$out/dom.html" 2>"$out/chromium.log" || fail "chromium failed (exit $?): see $out/chromium.log"

[ "$(head -c 8 "$out/failing-case.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "expected a PNG in $out/failing-case.png"
# Console messages (errors, uncaught exceptions) and requests that failed, e.g. a CDN.
if grep -E 'INFO:CONSOLE|Uncaught|net::ERR_' "$out/chromium.log"; then
	fail "expected the page to load without console messages or failed requests"
fi
dom=$(cat "$out/dom.html")
expect() { grep -qF -- "$1" <<<"$dom" || fail "expected the rendered DOM to contain $1"; }
# Set by the page's script once it ran: 3 TFTP bars, 3 console lines.
expect 'data-ready="bars=3 lines=3"'
expect 'id="count">3 of 3 lines<'
n=$(grep -o '<rect class="bar tftp' <<<"$dom" | wc -l)
[ "$n" -eq 3 ] || fail "expected 3 TFTP bars in the timeline (got $n)"
expect '<rect class="bar tftp error" data-file="start4.elf"'
expect '<g class="fault" data-action="drop"'
expect '<g class="failure-mark" data-t="3.400"'
expect '&lt;script&gt;alert(1)&lt;/script&gt;'
echo "html_render: ok, $out/failing-case.png"
