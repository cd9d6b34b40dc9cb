#!/bin/bash
# mkroot.sh - `pitest mkroot` end to end: the virtual lab's roots (shared and
# per board) at the paths the boot tree's cmdline.txt files name, the shape
# of a root (symlinks, modes, sizes, ELF stand-ins), the time it takes, the
# same bytes and attributes twice, --force, and every usage error exiting 2
# with one message.
set -euo pipefail

PITEST=${PITEST_BIN:?}
SRC=${PITEST_SOURCE_DIR:?}
LAB=$SRC/fixtures/labs/virtual.yaml
T=$(mktemp -d /tmp/pitest-mkroot-XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. the virtual lab's roots, timed
start=$(date +%s%N)
"$PITEST" mkroot --lab "$LAB" "$T/a" || fail "mkroot exited $?"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
bytes=$(du -sb --apparent-size "$T/a" | cut -f1)
echo "mkroot: $(find "$T/a" | wc -l) entries, $bytes bytes (hard links counted once) in ${ms} ms"
limit=1000
grep -q '^PITEST_SANITIZE:BOOL=ON' "$PITEST_BUILD_DIR/CMakeCache.txt" 2>/dev/null && limit=5000
[ "$ms" -lt "$limit" ] || fail "mkroot took ${ms} ms (limit ${limit} ms)"

roots=$(cd "$T/a" && ls | tr '\n' ' ')
[ "$roots" = "pi2-1 pi3b-1 pi3bplus-1 pi4b-1 pi5-1 rootfs " ] || fail "roots: $roots"

# every nfsroot path the boot tree names is one of these roots
"$PITEST" mktree --lab "$LAB" "$T/boot" >/dev/null
n=0
while read -r f; do
	path=$(grep -o 'nfsroot=[^, ]*' "$f" | sed 's|^nfsroot=[0-9.]*:/srv/pitest/||')
	[ -d "$T/a/$path" ] || fail "$f names /srv/pitest/$path, which mkroot did not write"
	n=$((n + 1))
done < <(find "$T/boot" -name cmdline.txt)
[ "$n" = 3 ] || fail "expected 3 cmdline.txt, saw $n"

R=$T/a/rootfs
link() { [ "$(readlink "$R/$1")" = "$2" ] || fail "$1 -> $(readlink "$R/$1"), want $2"; }
link bin usr/bin
link sbin usr/sbin
link lib usr/lib
link usr/sbin/init /lib/systemd/systemd
link usr/lib/ld-linux-aarch64.so.1 aarch64-linux-gnu/ld-linux-aarch64.so.1
link etc/os-release ../usr/lib/os-release
link etc/systemd/system/getty.target.wants/getty@tty1.service /lib/systemd/system/getty@.service
mode() { [ "$(stat -c %a "$R/$1")" = "$2" ] || fail "$1 mode $(stat -c %a "$R/$1"), want $2"; }
mode tmp 1777
mode var/tmp 1777
mode root 700
mode etc/shadow 640
mode etc/machine-id 444
mode usr/lib/systemd/systemd 755
for d in dev proc sys run boot/firmware var/log home/pi; do
	[ -d "$R/$d" ] && [ ! -L "$R/$d" ] || fail "$d is not a directory"
	[ -z "$(ls -A "$R/$d")" ] || fail "$d is not empty"
done
if [ "$(id -u)" = 0 ]; then
	[ "$(stat -c %u:%g "$R/home/pi")" = 1000:1000 ] || fail "home/pi owner"
	[ "$(stat -c %u:%g "$R/etc/shadow")" = 0:42 ] || fail "etc/shadow owner"
fi
[ "$(stat -c %s "$R/usr/lib/systemd/systemd")" = 92312 ] || fail "systemd size"
[ "$(stat -c %s "$R/usr/lib/aarch64-linux-gnu/libc.so.6")" = 1651472 ] || fail "libc size"
[ ! -s "$R/etc/machine-id" ] || fail "machine-id not empty"
[ "$(cat "$R/etc/hostname")" = raspberrypi ] || fail "hostname"
[ "$(cat "$T/a/pi4b-1/etc/hostname")" = pi4b-1 ] || fail "board hostname"
grep -q '^127.0.1.1[[:space:]]*pi4b-1$' "$T/a/pi4b-1/etc/hosts" || fail "board hosts"
grep -Eq '^/dev/nfs +/ +nfs +defaults,noatime +0 +1$' "$R/etc/fstab" || fail "fstab"
grep -q '^VERSION_CODENAME=bookworm$' "$R/etc/os-release" || fail "os-release through its symlink"
[ "$(stat -c %i "$R/usr/bin/bash")" = "$(stat -c %i "$T/a/pi5-1/usr/bin/bash")" ] || fail "not a hard link"
# the ELF stand-ins, as file(1) and readelf see them
if command -v file >/dev/null; then
	file -b "$R/usr/lib/systemd/systemd" | grep -q 'ELF 64-bit LSB .*ARM aarch64' ||
		fail "file: $(file -b "$R/usr/lib/systemd/systemd")"
	file -b "$R/usr/bin/bash" | grep -q 'interpreter /lib/ld-linux-aarch64.so.1' ||
		fail "file: $(file -b "$R/usr/bin/bash")"
else
	echo "mkroot: file(1) not installed, skipped its check (run scripts/install-deps.sh)"
fi
# readelf comes with build-essential (binutils), file with scripts/install-deps.sh
readelf -lW "$R/usr/sbin/agetty" 2>/dev/null | grep -q 'Requesting program interpreter: /lib/ld-linux-aarch64.so.1' ||
	fail "readelf: $(readelf -lW "$R/usr/sbin/agetty" 2>&1 | head -20)"
readelf -hW "$R/usr/lib/aarch64-linux-gnu/libc.so.6" | grep -q 'Machine: *AArch64' || fail "readelf: libc machine"
[ "$(tail -c 16 "$R/usr/bin/bash" | head -c 8)" = PITESTBT ] || fail "trailer"
# the kernel's path walk from /sbin/init ends at systemd inside the tree
target=$(readlink "$R/sbin")/init                   # usr/sbin/init
target=$(readlink "$R/$target")                     # /lib/systemd/systemd
target=$(readlink "$R/lib")/${target#/lib/}         # usr/lib/systemd/systemd
[ -f "$R/$target" ] && [ ! -L "$R/$target" ] || fail "/sbin/init resolves to $target"

# 2. the same bytes and attributes twice
"$PITEST" mkroot --lab "$LAB" "$T/b"
sums() { (cd "$1" && find . -mindepth 1 -printf '%p %y %m %s %l %T@\n' | sort && find . -type f | sort | xargs sha256sum); }
sums "$T/a" > "$T/a.sum"
sums "$T/b" > "$T/b.sum"
cmp -s "$T/a.sum" "$T/b.sum" || { diff "$T/a.sum" "$T/b.sum" | head; fail "trees differ"; }

# 3. --hostname, --force
"$PITEST" mkroot --hostname node-7 "$T/c"
[ "$(cat "$T/c/rootfs/etc/hostname")" = node-7 ] || fail "--hostname"
[ "$(ls "$T/c")" = rootfs ] || fail "without --lab: only rootfs"
echo junk > "$T/c/rootfs/etc/hostname"
echo mine > "$T/c/rootfs/var/log/mine.log"
"$PITEST" mkroot --force "$T/c"
[ "$(cat "$T/c/rootfs/etc/hostname")" = raspberrypi ] || fail "--force did not rewrite etc/hostname"
[ "$(cat "$T/c/rootfs/var/log/mine.log")" = mine ] || fail "--force removed a foreign file"

# 4. mistakes: exit 2 and one message
expect_usage() {
	local want=$1; shift
	set +e
	out=$("$PITEST" mkroot "$@" 2>&1)
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "mkroot $* exited $rc, want 2: $out"
	grep -q -- "$want" <<<"$out" || fail "mkroot $*: no '$want' in: $out"
	[ "$(grep -c '^pitest' <<<"$out")" = 1 ] || fail "mkroot $*: more than one message: $out"
}
expect_usage "not empty" "$T/a"
expect_usage "hostname wants" --hostname bad_name "$T/d"
expect_usage "give the directory" --force
expect_usage "unexpected argument" "$T/d" "$T/e"
expect_usage "unknown option" --server 1.2.3.4 "$T/d"
expect_usage "cannot open" --lab "$T/no-such-lab.yaml" "$T/d"
[ ! -e "$T/d" ] || fail "a failed mkroot wrote $T/d"
"$PITEST" mkroot --help > "$T/help" && grep -q "usage: pitest mkroot" "$T/help" || fail "--help"
echo "mkroot: ok"
