#!/usr/bin/env bash
# gpiod2-prefix.sh DIR - libgpiod 2.x unpacked into the private prefix DIR
# (DIR/usr/include/gpiod.h, DIR/usr/lib/<triplet>/libgpiod.so*), so pitest
# can be built against the 2.x API (cmake -DPITEST_GPIOD_PREFIX=DIR) on a
# Debian 12 host whose libgpiod-dev is 1.6: the two dev packages conflict,
# and the system's stays as it is.
#
# On bookworm the packages come from bookworm-backports, whose apt source is
# added if missing (backports are only installed when asked for by name, so
# the source alone changes nothing else). That and `apt-get update` need
# root (sudo is used if there); a DIR already filled is left as it is.
set -euo pipefail

dir=${1:?usage: gpiod2-prefix.sh DIR}

if compgen -G "$dir/usr/lib/*/libgpiod.so.3*" >/dev/null && [ -e "$dir/usr/include/gpiod.h" ]; then
  exit 0
fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
  echo "gpiod2-prefix.sh: knows Debian 12 (bookworm) only (this is '${VERSION_CODENAME:-?}');" \
       "on Debian 13 libgpiod-dev is 2.x already" >&2
  exit 1
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

src=/etc/apt/sources.list.d/bookworm-backports.sources
if ! grep -rqsw 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  $SUDO tee "$src" >/dev/null <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi
# Only when apt does not know the backports yet: an update costs seconds.
if ! apt-cache madison libgpiod-dev | grep -q bookworm-backports; then
  $SUDO apt-get update -qq
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# (as root apt warns that it downloads "unsandboxed": harmless here)
(cd "$tmp" && apt-get download -qq libgpiod-dev/bookworm-backports libgpiod3/bookworm-backports)
mkdir -p "$dir"
for deb in "$tmp"/*.deb; do
  dpkg -x "$deb" "$dir"
done
ls "$dir"/usr/lib/*/pkgconfig/libgpiod.pc >/dev/null
echo "libgpiod $(sed -n 's/^Version: //p' "$dir"/usr/lib/*/pkgconfig/libgpiod.pc) in $dir"
