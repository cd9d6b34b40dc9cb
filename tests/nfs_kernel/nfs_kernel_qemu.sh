#!/usr/bin/env bash
# nfs_kernel_qemu.sh - a real Linux NFSv3 client against our export: Debian's
# kernel boots under QEMU (TCG) with a busybox initramfs that mounts
# 10.0.2.2:/export the way the kernel mounts an nfsroot (portmapper on 111,
# MOUNT, then NFS over TCP), exercises the tree and powers off. QEMU's user
# network maps the guest's 10.0.2.2 to 127.0.0.1 of the network namespace
# this script creates, where the server listens.
#
# The guest prints every finding as "pitest-guest: ..." on its serial
# console; the host then checks the exported directory: written data (md5
# sums the guest printed against the host's), modes, symlink targets, hard
# links, renames, removals, times, ownership, and that the mount was NFSv3.
#
# NFS_SERVER=pitest (default: `pitest nfsd`) or ganesha (tests/lib/ganesha.sh,
# to check the recipe itself). The kernel comes from scripts/fetch-kernel.sh
# (apt; a fetch failure fails the test). KEEP_TMP=1 keeps the temp dir.
set -u

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespace, port 111)"
SRC=${PITEST_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
NFS_SERVER=${NFS_SERVER:-pitest}

# The kernel and the base initramfs (cached after the first run), fetched by
# apt before leaving the host's network.
if [ -z "${PITEST_NFS_KERNEL_NS:-}" ]; then
	T0=$(date +%s)
	KOUT=$("$SRC/scripts/fetch-kernel.sh") || die "scripts/fetch-kernel.sh could not provide the kernel (see above)"
	eval "$KOUT"
	[ -s "${PITEST_KERNEL:-}" ] && [ -s "${PITEST_INITRD:-}" ] || die "fetch-kernel.sh printed no kernel/initrd"
	echo "kernel: $PITEST_KERNEL ($(( $(date +%s) - T0 )) s to fetch/check)"
	# Everything below runs in a private network namespace with only lo.
	exec env PITEST_NFS_KERNEL_NS=1 PITEST_KERNEL="$PITEST_KERNEL" PITEST_INITRD="$PITEST_INITRD" \
		unshare -n bash "$0" "$@"
fi
ip link set lo up || die "cannot bring lo up"

for t in qemu-system-x86_64 cpio gzip md5sum timeout; do
	command -v "$t" >/dev/null || die "$t missing (scripts/install-deps.sh)"
done

T0=$(date +%s)
TMP=$(mktemp -d /tmp/pitest-nfs-kernel-XXXXXX)
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	[ "$NFS_SERVER" = ganesha ] && ganesha_stop
	if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM


# The export: known files the guest reads.
EXP=$TMP/export
mkdir -p "$EXP/sub"
chmod 755 "$TMP" "$EXP"
echo "hello from the host" >"$EXP/hello.txt"
head -c 300000 /dev/urandom >"$EXP/known.bin"
echo nested >"$EXP/sub/nested.txt"
echo "to be removed" >"$EXP/doomed.txt"
ln -s hello.txt "$EXP/host-link"
KNOWN_MD5=$(md5sum <"$EXP/known.bin" | cut -d' ' -f1)

SERVER_LOG=$TMP/server.log
case $NFS_SERVER in
pitest)
	PITEST=${PITEST_BIN:-}
	[ -x "$PITEST" ] || die "PITEST_BIN not set (run through ctest)"
	MNT_PORT=2049
	"$PITEST" nfsd --export "/export=$EXP" --bind 127.0.0.1 --state "$TMP/state" --events "$TMP/events.jsonl" \
		>"$TMP/server.out" 2>"$SERVER_LOG" &
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		grep -q "pitest nfsd: serving" "$SERVER_LOG" && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "pitest nfsd: serving" "$SERVER_LOG" || { cat "$SERVER_LOG" >&2; die "pitest nfsd did not start"; }
	;;
ganesha)
	# shellcheck source=../lib/ganesha.sh
	. "$SRC/tests/lib/ganesha.sh"
	MNT_PORT=20048
	ganesha_start "$EXP" /export 127.0.0.1 2049 "$MNT_PORT" || die "ganesha did not start"
	SERVER_LOG=$GANESHA_TMP/ganesha.log
	;;
*) die "NFS_SERVER must be pitest or ganesha" ;;
esac
echo "server ($NFS_SERVER) ready after $(( $(date +%s) - T0 )) s"

# The guest's part, appended to the base initramfs as /test.sh. It checks
# what it can itself and prints the rest for the host to check.
mkdir -p "$TMP/overlay"
cat >"$TMP/overlay/test.sh" <<EOF
#!/bin/sh
MNT_PORT=$MNT_PORT
KNOWN_MD5=$KNOWN_MD5
EOF
cat >>"$TMP/overlay/test.sh" <<'EOF'
say() { echo "pitest-guest: $*"; }
err() { echo "pitest-guest: ERROR $*"; }
md5() { md5sum <"$1" | cut -d' ' -f1; }
mkdir -p /mnt /mnt2
OPTS=vers=3,proto=tcp,nolock,addr=10.0.2.2
mount -t nfs -o $OPTS 10.0.2.2:/export /mnt || { err "mount $OPTS"; exit 1; }
say "mounted"
grep ' /mnt ' /proc/mounts | sed 's/^/pitest-guest: mounts /'
ls -la /mnt /mnt/sub
# Reads of what the host put there.
[ "$(cat /mnt/hello.txt)" = "hello from the host" ] || err "hello.txt content"
[ "$(cat /mnt/sub/nested.txt)" = nested ] || err "sub/nested.txt content"
[ "$(readlink /mnt/host-link)" = hello.txt ] || err "host-link target"
[ "$(cat /mnt/host-link)" = "hello from the host" ] || err "reading through host-link"
[ "$(md5 /mnt/known.bin)" = "$KNOWN_MD5" ] || err "known.bin md5 $(md5 /mnt/known.bin)"
say "md5 known.bin $(md5 /mnt/known.bin)"
# Writes: a small file written by cp, a 4 MiB one by dd, then tree changes.
dd if=/dev/urandom of=/tmp/small bs=1k count=20 2>/dev/null
dd if=/dev/urandom of=/tmp/big bs=1M count=4 2>/dev/null
cp /tmp/small /mnt/small.bin || err "cp small"
dd if=/tmp/big of=/mnt/big.bin bs=64k 2>/dev/null || err "dd big"
say "md5 small.bin $(md5 /tmp/small)"
say "md5 big.bin $(md5 /tmp/big)"
mkdir /mnt/newdir || err mkdir
mkdir -p /mnt/newdir/a/b || err "mkdir -p"
ln -s ../hello.txt /mnt/newdir/link || err symlink
mv /mnt/small.bin /mnt/newdir/moved.bin || err "mv"
ln /mnt/newdir/moved.bin /mnt/hard.bin || err "hard link"
chmod 640 /mnt/newdir/moved.bin || err chmod
chmod 750 /mnt/newdir/a || err "chmod dir"
chown 1234:5678 /mnt/big.bin || err chown
touch /mnt/empty || err touch
touch -d "2020-01-02 03:04:05" /mnt/hello.txt || err "touch -d"
rm /mnt/doomed.txt || err rm
echo scratch >/mnt/newdir/a/b/scratch && rm -r /mnt/newdir/a/b || err "rm -r"
echo appended >>/mnt/sub/nested.txt || err append
[ "$(readlink /mnt/newdir/link)" = ../hello.txt ] || err "readlink newdir/link"
[ "$(stat -c %h /mnt/hard.bin)" = 2 ] || err "hard.bin nlink $(stat -c %h /mnt/hard.bin)"
[ -e /mnt/doomed.txt ] && err "doomed.txt still there"
sync
say "mountstats begin"
cat /proc/self/mountstats
say "mountstats end"
umount /mnt || err "umount"
# A fresh mount reads everything back from the server, not the page cache.
mount -t nfs -o $OPTS 10.0.2.2:/export /mnt || { err "remount"; exit 1; }
[ "$(md5 /mnt/newdir/moved.bin)" = "$(md5 /tmp/small)" ] || err "read back moved.bin"
[ "$(md5 /mnt/hard.bin)" = "$(md5 /tmp/small)" ] || err "read back hard.bin"
[ "$(md5 /mnt/big.bin)" = "$(md5 /tmp/big)" ] || err "read back big.bin"
[ "$(stat -c %a /mnt/newdir/moved.bin)" = 640 ] || err "mode of moved.bin $(stat -c %a /mnt/newdir/moved.bin)"
[ "$(stat -c %u:%g /mnt/big.bin)" = 1234:5678 ] || err "owner of big.bin $(stat -c %u:%g /mnt/big.bin)"
[ "$(stat -c %Y /mnt/hello.txt)" = 1577934245 ] || err "mtime of hello.txt $(stat -c %Y /mnt/hello.txt)"
[ "$(cat /mnt/newdir/link)" = "hello from the host" ] || err "reading through newdir/link"
say "readback md5 big.bin $(md5 /mnt/big.bin)"
ls -laR /mnt
say "mountstats begin"
cat /proc/self/mountstats
say "mountstats end"
umount /mnt || err "umount 2"
# The same export without the portmapper: explicit ports, MOUNT over TCP.
OPTS2=vers=3,proto=tcp,nolock,port=2049,mountport=$MNT_PORT,mountproto=tcp,addr=10.0.2.2
if mount -t nfs -o $OPTS2 10.0.2.2:/export /mnt2; then
	[ "$(md5 /mnt2/known.bin)" = "$KNOWN_MD5" ] || err "known.bin via explicit ports"
	umount /mnt2 || err "umount /mnt2"
	say "explicit-port mount ok"
else
	err "mount $OPTS2"
fi
say "done"
EOF
chmod 755 "$TMP/overlay/test.sh"
(cd "$TMP/overlay" && echo test.sh | cpio -o -H newc --quiet -R 0:0) | gzip >"$TMP/test.cpio.gz"
cat "$PITEST_INITRD" "$TMP/test.cpio.gz" >"$TMP/initrd.gz"

CONSOLE=$TMP/console.log
TB=$(date +%s)
timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2 -nographic -no-reboot \
	-kernel "$PITEST_KERNEL" -initrd "$TMP/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic" \
	-nic user,model=virtio-net-pci </dev/null >"$CONSOLE" 2>"$TMP/qemu.err"
QRC=$?
TE=$(date +%s)
echo "guest ran $((TE - TB)) s (qemu exit $QRC)"

FAIL=0
bad() { echo "FAIL: $*" >&2; FAIL=1; }
show_console() {
	echo "---- guest console (last 80 lines) ----" >&2
	tail -n 80 "$CONSOLE" | tr -d '\r' >&2
	echo "---- qemu stderr ----" >&2
	cat "$TMP/qemu.err" >&2
	echo "---- server log (last 30 lines) ----" >&2
	tail -n 30 "$SERVER_LOG" >&2
}
tr -d '\r' <"$CONSOLE" >"$CONSOLE.txt"
G=$CONSOLE.txt
[ $QRC = 0 ] || bad "qemu exited with $QRC (124: timed out)"
grep -q "pitest-guest: init ready" "$G" || bad "the guest never reached /init"
grep -q "pitest-guest: mounted" "$G" || bad "the guest could not mount"
grep -q "pitest-guest: done" "$G" || bad "the guest script did not finish"
if grep -q "pitest-guest: ERROR" "$G"; then
	bad "the guest reported errors:"
	grep "pitest-guest: ERROR" "$G" >&2
fi
grep -E "Kernel panic|Call Trace|BUG:|not responding|nfs: server .* error" "$G" >&2 &&
	bad "kernel trouble on the console"
grep "pitest-guest: mounts" "$G" | grep -q "vers=3" || bad "the mount is not NFSv3: $(grep 'pitest-guest: mounts' "$G")"
grep "pitest-guest: mounts" "$G" | grep -q "proto=tcp" || bad "the mount is not over TCP"

# Host side: what the guest wrote.
guest_md5() { sed -n "s/^pitest-guest: md5 $1 \\([0-9a-f]*\\).*/\\1/p" "$G" | head -n1; }
host_md5() { md5sum <"$EXP/$1" 2>/dev/null | cut -d' ' -f1; }
[ "$(guest_md5 known.bin)" = "$KNOWN_MD5" ] || bad "guest read known.bin as $(guest_md5 known.bin)"
[ -n "$(guest_md5 small.bin)" ] && [ "$(guest_md5 small.bin)" = "$(host_md5 newdir/moved.bin)" ] ||
	bad "newdir/moved.bin on the host differs from what the guest wrote"
[ -n "$(guest_md5 big.bin)" ] && [ "$(guest_md5 big.bin)" = "$(host_md5 big.bin)" ] ||
	bad "big.bin on the host differs from what the guest wrote"
[ "$(stat -c %s "$EXP/big.bin" 2>/dev/null)" = 4194304 ] || bad "big.bin is not 4 MiB on the host"
[ "$(stat -c %s "$EXP/newdir/moved.bin" 2>/dev/null)" = 20480 ] || bad "moved.bin is not 20 KiB"
[ "$(stat -c %a "$EXP/newdir/moved.bin" 2>/dev/null)" = 640 ] || bad "mode of moved.bin is not 640"
[ "$(stat -c %a "$EXP/newdir/a" 2>/dev/null)" = 750 ] || bad "mode of newdir/a is not 750"
[ "$(stat -c %u:%g "$EXP/big.bin" 2>/dev/null)" = 1234:5678 ] || bad "owner of big.bin is not 1234:5678"
[ "$(readlink "$EXP/newdir/link")" = ../hello.txt ] || bad "newdir/link does not point to ../hello.txt"
[ "$(stat -c %i "$EXP/hard.bin" 2>/dev/null)" = "$(stat -c %i "$EXP/newdir/moved.bin" 2>/dev/null)" ] ||
	bad "hard.bin is not a hard link of newdir/moved.bin"
[ "$(stat -c %h "$EXP/hard.bin" 2>/dev/null)" = 2 ] || bad "hard.bin does not have 2 links"
[ -f "$EXP/empty" ] && [ ! -s "$EXP/empty" ] || bad "empty is missing or not empty"
[ -e "$EXP/small.bin" ] && bad "small.bin still exists after mv"
[ -e "$EXP/doomed.txt" ] && bad "doomed.txt still exists after rm"
[ -e "$EXP/newdir/a/b" ] && bad "newdir/a/b still exists after rm -r"
[ "$(stat -c %Y "$EXP/hello.txt")" = 1577934245 ] || bad "mtime of hello.txt not set by touch -d"
[ "$(cat "$EXP/sub/nested.txt")" = "nested
appended" ] || bad "sub/nested.txt was not appended to"
grep -q "pitest-guest: explicit-port mount ok" "$G" || bad "the mount with explicit ports failed"

# The operation mix the kernel used (both mounts summed), for the log.
awk '/pitest-guest: mountstats begin/ { on = 1 } /pitest-guest: mountstats end/ { on = 0 }
	on && /^[[:space:]]+[A-Z_]+: [0-9]/ && $2 > 0 { if (!($1 in n)) o[k++] = $1; n[$1] += $2 }
	END { printf "kernel NFS ops:"; for (i = 0; i < k; i++) printf " %s%d", o[i], n[o[i]]; print "" }' "$G"

if [ $FAIL != 0 ]; then
	show_console
	exit 1
fi
echo "PASS: kernel $(sed -n 's/^pitest-guest: init ready //p' "$G") against $NFS_SERVER, total $(( $(date +%s) - T0 )) s"
exit 0
