#!/usr/bin/env bash
# Installs, from Debian's packages, everything pitest needs to build and test.
# Safe to run again: it only asks apt for what is missing.
set -euo pipefail

build_pkgs=(build-essential cmake ninja-build pkg-config
  libevent-dev libgpiod-dev libserialport-dev libcmocka-dev libcyaml-dev
  libxml2-dev libxml2-utils libnl-3-dev libnl-route-3-dev libpcap-dev
  libtirpc-dev rpcsvc-proto libsodium-dev libnfs-dev libjson-c-dev)
# Peers the tests and benchmarks run against (never as services of the host).
peer_pkgs=(iproute2 iputils-ping ethtool busybox-static isc-dhcp-client dnsmasq-base kea-admin
  clang libclang-rt-14-dev valgrind
  tftp-hpa atftp curl tftpd-hpa python3
  device-tree-compiler file
  chromium
  libnfs-utils rpcbind nfs-ganesha nfs-ganesha-vfs qemu-system-x86 cpio
  tshark)

want=("${build_pkgs[@]}")
if [ "${1:-}" != "--build-only" ]; then want+=("${peer_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "pitest: these Debian packages are missing: ${missing[*]}" >&2
    echo "pitest: install them as root (apt-get install ${missing[*]})" >&2
    exit 2
  fi
else SUDO=; fi

echo "pitest: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture (a
# setuid dumpcap): no, the tests only read capture files.
if [[ " ${missing[*]} " == *" tshark "* ]]; then
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
fi
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# tftpd-hpa's package starts a host-wide TFTP service: the tests run their
# own in.tftpd inside namespaces, so the service is stopped and disabled.
if [[ " ${missing[*]} " == *" tftpd-hpa "* ]]; then
  { $SUDO systemctl disable --now tftpd-hpa || $SUDO service tftpd-hpa stop; } >/dev/null 2>&1 || true
fi
# rpcbind and nfs-ganesha come with host-wide services (rpcbind on port
# 111): the tests run their own inside namespaces, so those are stopped too.
for svc in rpcbind.socket rpcbind nfs-ganesha; do
  if [[ " ${missing[*]} " == *" rpcbind "* || " ${missing[*]} " == *" nfs-ganesha "* ]]; then
    { $SUDO systemctl disable --now "$svc" || $SUDO service "$svc" stop; } >/dev/null 2>&1 || true
  fi
done
