#!/usr/bin/env bash
# An ordinary user runs a case on the virtual lab: the runner builds its
# network inside a user namespace, no root needed.
. "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root to switch to an ordinary user"; exit 77; }
command -v setpriv >/dev/null || { echo "skipped: setpriv missing"; exit 77; }
max=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)
[ "$max" -gt 0 ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] \
  || { echo "skipped: unprivileged user namespaces are disabled here"; exit 77; }
chmod 777 "$tmp"
setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$PITEST_BIN" -a -r "$PITEST_SOURCE_DIR/suites/dhcp-phase.yaml" \
  || { echo "skipped: an ordinary user cannot reach this checkout"; exit 77; }
setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$PITEST_BIN" --suite dhcp-phase --case unknown-mac-gets-range-address -q --junit "$tmp/out.xml" \
  || fail "the run as nobody failed"
[ "$(xmllint --xpath 'count(//testcase[not(failure)])' "$tmp/out.xml")" -ge 5 ] || fail "not every board passed"
assert_nothing_left
echo "unprivileged run passed"
