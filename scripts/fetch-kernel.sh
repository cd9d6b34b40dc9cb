#!/usr/bin/env bash
# fetch-kernel.sh - a Debian x86-64 kernel and a busybox initramfs that can
# mount NFSv3, for the QEMU peer tests (tests/nfs_kernel).
#
# Debian's kernel has NFS as modules and no in-kernel nfsroot (no IP_PNP),
# so the guest mounts from an initramfs: busybox, the NFS and virtio-net
# modules in dependency order, and an /init that loads them, configures eth0
# for QEMU's user network (10.0.2.15, gateway 10.0.2.2) and runs /test.sh.
# The tests append /test.sh as a second cpio archive (the kernel unpacks
# concatenated archives in order), so this base image is built once.
#
# Packages come from Debian's archive through apt only (apt-get download:
# linux-image-<current 6.1 ABI>-amd64, named by linux-image-amd64's
# dependency, and busybox-static), unpacked with dpkg-deb -x under
#   ${PITEST_CACHE:-/var/cache/pitest}/kernel/<package>_<version>/
# Idempotent: a finished build is reused (keyed by package version and this
# script's checksum). Prints, for eval:
#   PITEST_KERNEL=<path to vmlinuz>
#   PITEST_INITRD=<path to initrd.gz>
# Environment: KERNEL_PKG (default: what linux-image-amd64 depends on).
set -euo pipefail

CACHE=${PITEST_CACHE:-/var/cache/pitest}/kernel
SELF=$(readlink -f "$0")
# NFSv3 client over TCP and the virtio NIC of `-nic user,model=virtio-net-pci`;
# their dependencies are added by modinfo.
WANT_MODULES=(nfsv3 virtio_net virtio_pci)

die() { echo "fetch-kernel: $*" >&2; exit 1; }

for t in apt-get apt-cache dpkg-deb cpio gzip flock sha256sum; do
	command -v "$t" >/dev/null || die "$t missing (scripts/install-deps.sh)"
done
# modinfo (kmod) when installed; otherwise the .modinfo section read with
# binutils, which the build needs anyway.
if command -v modinfo >/dev/null; then
	mod_depends() { modinfo -F depends "$1"; }
elif command -v objcopy >/dev/null; then
	mod_depends() {
		objcopy -O binary --only-section=.modinfo "$1" /dev/stdout 2>/dev/null |
			tr '\0' '\n' | sed -n 's/^depends=//p'
	}
else
	die "neither modinfo (kmod) nor objcopy (binutils) is installed"
fi
mkdir -p "$CACHE" || die "cannot create $CACHE"

# One builder at a time; a second caller waits and then reuses the result.
exec 9>"$CACHE/.lock"
flock -w 600 9 || die "timed out waiting for $CACHE/.lock"

kernel_pkg() {
	local dep
	dep=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }')
	echo "$dep"
}

PKG=${KERNEL_PKG:-$(kernel_pkg)}
if [ -z "$PKG" ] && [ "$(id -u)" = 0 ]; then
	# A fresh machine may have no package lists yet.
	apt-get update -q >/dev/null 2>&1 || true
	PKG=$(kernel_pkg)
fi
[ -n "$PKG" ] || die "apt-cache cannot name the kernel package (linux-image-amd64 has no candidate; run apt-get update)"
VER=$(apt-cache policy "$PKG" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
[ -n "$VER" ] && [ "$VER" != "(none)" ] || die "$PKG has no candidate version in apt"

SUM=$(sha256sum "$SELF" | cut -c1-12)
OUT=$CACHE/${PKG}_${VER}
STAMP=$OUT/.done-$SUM
if [ -f "$STAMP" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ]; then
	echo "PITEST_KERNEL=$OUT/vmlinuz"
	echo "PITEST_INITRD=$OUT/initrd.gz"
	exit 0
fi

WORK=$(mktemp -d "$CACHE/.work-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# apt-get download writes into the current directory; as root it warns that
# the _apt user cannot write there: harmless.
download() { # PACKAGE
	(cd "$WORK/deb" && apt-get download -q "$1" >/dev/null 2>"$WORK/apt.err") && return 0
	if [ "$(id -u)" = 0 ]; then
		apt-get update -q >/dev/null 2>&1 || true
		(cd "$WORK/deb" && apt-get download -q "$1" >/dev/null 2>"$WORK/apt.err") && return 0
	fi
	cat "$WORK/apt.err" >&2
	die "apt-get download $1 failed (network or package lists?)"
}
mkdir -p "$WORK/deb" "$WORK/x" "$WORK/root"
download "$PKG"
download busybox-static
for d in "$WORK"/deb/*.deb; do dpkg-deb -x "$d" "$WORK/x"; done

VMLINUZ=$(ls "$WORK"/x/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$VMLINUZ" ] || die "$PKG has no /boot/vmlinuz-*"
KREL=${VMLINUZ##*/vmlinuz-}
MODDIR=$WORK/x/lib/modules/$KREL
[ -d "$MODDIR" ] || die "$PKG has no /lib/modules/$KREL"
[ -x "$WORK/x/bin/busybox" ] || die "busybox-static has no /bin/busybox"

# Module name -> file (names compare with '-' as '_', as the kernel does).
declare -A MODFILE
while IFS= read -r f; do
	n=${f##*/}
	n=${n%%.ko*}
	MODFILE[${n//-/_}]=$f
done < <(find "$MODDIR/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst')

# Depth-first, dependencies first: the load order for insmod.
declare -A SEEN
ORDER=()
visit() { # MODULE
	local m=${1//-/_} f d
	[ -n "${SEEN[$m]:-}" ] && return 0
	SEEN[$m]=1
	f=${MODFILE[$m]:-}
	[ -n "$f" ] || die "module $m not found in $PKG (built in?)"
	case $f in
	*.ko) ;;
	*) die "compressed module $f: install kmod for modinfo" ;;
	esac
	for d in $(mod_depends "$f" | tr ',' ' '); do visit "$d"; done
	ORDER+=("$m")
}
for m in "${WANT_MODULES[@]}"; do visit "$m"; done

R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,mnt,tmp,lib/modules}
cp "$WORK/x/bin/busybox" "$R/bin/busybox"
for m in "${ORDER[@]}"; do
	f=${MODFILE[$m]}
	case $f in
	*.ko.xz) xz -dc "$f" >"$R/lib/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$R/lib/modules/$m.ko" ;;
	*) cp "$f" "$R/lib/modules/$m.ko" ;;
	esac
done
printf '%s\n' "${ORDER[@]}" >"$R/lib/modules/order"

# /init: every line the tests look for starts with "pitest-guest:".
cat >"$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m.ko || echo "pitest-guest: ERROR insmod $m"
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ifconfig lo 127.0.0.1 up
ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up || echo "pitest-guest: ERROR no eth0"
route add default gw 10.0.2.2
echo "pitest-guest: init ready $(uname -r)"
if [ -x /test.sh ]; then
	/test.sh
	echo "pitest-guest: test.sh exit $?"
else
	echo "pitest-guest: ERROR no /test.sh"
fi
sync
poweroff -f
EOF
chmod 755 "$R/init"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -6 >"$WORK/initrd.gz"

rm -rf "$OUT"
mkdir -p "$OUT"
cp "$VMLINUZ" "$OUT/vmlinuz"
cp "$WORK/initrd.gz" "$OUT/initrd.gz"
printf '%s\n' "${ORDER[@]}" >"$OUT/modules"
touch "$STAMP"
echo "PITEST_KERNEL=$OUT/vmlinuz"
echo "PITEST_INITRD=$OUT/initrd.gz"
