#!/usr/bin/env bash
# The nightly's example systemd units parse and name what they run.
set -euo pipefail
: "${PITEST_SOURCE_DIR:?run from ctest}"
command -v systemd-analyze >/dev/null || { echo "skipped: systemd-analyze missing"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d="$PITEST_SOURCE_DIR/scripts/systemd"
# verify resolves ExecStart's binary and the timer's unit: copy both beside
# each other, as they would be installed.
cp "$d/pitest-nightly.service" "$d/pitest-nightly.timer" "$tmp/"
out=$(cd "$tmp" && systemd-analyze verify --man=no ./pitest-nightly.service ./pitest-nightly.timer 2>&1) \
  || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "warnings: $out"
grep -q -- '--suite full-boot' "$d/pitest-nightly.service" || fail "the service does not run full-boot"
grep -q -- '--repeat ' "$d/pitest-nightly.service" || fail "the service does not repeat"
grep -q -- "--html " "$d/pitest-nightly.service" || fail "the service writes no HTML report"
grep -q -- "pitest report --history" "$d/pitest-nightly.service" || fail "the service draws no trends"
next=$(systemd-analyze calendar '*-*-* 02:00:00' | sed -n 's/.*Next elapse: //p')
[ -n "$next" ] || fail "the timer's OnCalendar does not parse"
echo "systemd units verified (next run: $next)"
