# Shared by the suite-level tests: temp dir, cleanup, skip rules.
set -euo pipefail
: "${PITEST_BIN:?run from ctest}" "${PITEST_SOURCE_DIR:?run from ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The virtual lab needs root or unprivileged user namespaces.
if [ "$(id -u)" -ne 0 ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
  echo "skipped: needs root or unprivileged user namespaces"; exit 77
fi

# Nothing of a run may outlive it: no board process, no host link.
links_before=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
assert_nothing_left() {
  sleep 0.3
  if pgrep -f "pitest vpi" >/dev/null; then pgrep -af "pitest vpi" >&2; fail "board processes left behind"; fi
  local links_after
  links_after=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
  [ "$links_before" = "$links_after" ] || fail "host links changed: '$links_before' -> '$links_after'"
}
