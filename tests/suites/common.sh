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

# Nothing of a run may outlive it: no board process, and none of the lab's
# links (its bridge, its veths) in the host's namespace. Other tests may add
# links of their own meanwhile, so only the lab's names are checked.
lab_links() { ip -o link show | awk -F': ' '{print $2}' | grep -E '^(pitest[0-9]*|vb[0-9]+)(@|$)' || true; }
[ -z "$(lab_links)" ] || { echo "skipped: host already has lab-named links: $(lab_links)"; exit 77; }
assert_nothing_left() {
  sleep 0.3
  if pgrep -f "pitest vpi" >/dev/null; then pgrep -af "pitest vpi" >&2; fail "board processes left behind"; fi
  [ -z "$(lab_links)" ] || fail "lab links left in the host namespace: $(lab_links)"
}
