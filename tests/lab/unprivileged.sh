#!/usr/bin/env bash
# Runs the virtual lab tests as an ordinary user (nobody), who gets the lab
# network through a user namespace. Skips (77) when this kernel does not
# allow unprivileged user namespaces, and says which setting forbids it.
set -euo pipefail

bin="${PITEST_BUILD_DIR:?}/tests/lab/test_vlab"
[ -x "$bin" ] || { echo "unprivileged: $bin not built" >&2; exit 1; }

if [ -r /proc/sys/kernel/unprivileged_userns_clone ] &&
   [ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" = 0 ]; then
  echo "unprivileged: SKIP: kernel.unprivileged_userns_clone=0" >&2; exit 77
fi
if [ -r /proc/sys/user/max_user_namespaces ] &&
   [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
  echo "unprivileged: SKIP: user.max_user_namespaces=0" >&2; exit 77
fi
if [ -r /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] &&
   [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns)" = 1 ]; then
  echo "unprivileged: SKIP: kernel.apparmor_restrict_unprivileged_userns=1" >&2; exit 77
fi

if [ "$(id -u)" -eq 0 ]; then
  command -v setpriv >/dev/null || { echo "unprivileged: SKIP: no setpriv" >&2; exit 77; }
  # A copy nobody can read and run, wherever the build tree is.
  tmp=$(mktemp -d /tmp/pitest-vlab.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  cp "$bin" "$tmp/test_vlab"
  chmod 755 "$tmp" "$tmp/test_vlab"
  run=(setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env "$tmp/test_vlab")
else
  run=("$bin")
fi

# Probe: the skip is about the kernel's policy, not about our code.
if ! "${run[@]:0:${#run[@]}-1}" unshare --user --map-root-user --net true 2>/dev/null; then
  echo "unprivileged: SKIP: this kernel refuses unprivileged user namespaces" >&2
  exit 77
fi
echo "unprivileged: user namespaces allowed; running as $(${run[@]:0:${#run[@]}-1} id -un 2>/dev/null || echo uid $(id -u))" >&2
"${run[@]}"
