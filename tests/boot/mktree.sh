#!/bin/bash
# mktree.sh - `pitest mktree` end to end: the virtual lab's tree with its two
# serial folders, the time it takes, the same bytes twice, and every usage
# error exiting 2 with a message.
set -euo pipefail

PITEST=${PITEST_BIN:?}
SRC=${PITEST_SOURCE_DIR:?}
LAB=$SRC/fixtures/labs/virtual.yaml
T=$(mktemp -d /tmp/pitest-mktree-XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. the virtual lab's tree, timed (the runner writes one per run)
start=$(date +%s%N)
"$PITEST" mktree --lab "$LAB" "$T/a" || fail "mktree exited $?"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
bytes=$(du -sb --apparent-size "$T/a" | cut -f1)
echo "mktree: $(find "$T/a" -type f | wc -l) files, $bytes bytes (hard links counted once) in ${ms} ms"
limit=1000
grep -q '^PITEST_SANITIZE:BOOL=ON' "$PITEST_BUILD_DIR/CMakeCache.txt" 2>/dev/null && limit=5000
[ "$ms" -lt "$limit" ] || fail "mktree took ${ms} ms (limit ${limit} ms)"

size() { stat -c %s "$T/a/$1" 2>/dev/null || fail "$1 missing"; }
[ "$(size kernel8.img)" = 8912384 ] || fail "kernel8.img size"
[ "$(size start4.elf)" = 2255328 ] || fail "start4.elf size"
[ "$(size bootcode.bin)" = 52476 ] || fail "bootcode.bin size"
[ "$(size overlays/overlay_map.dtb)" = 5347 ] || fail "overlay_map.dtb size"
# magic numbers a reader looks for
[ "$(head -c 4 "$T/a/start.elf" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || fail "start.elf is not ELF"
[ "$(head -c 4 "$T/a/bcm2711-rpi-4-b.dtb" | od -An -tx1 | tr -d ' ')" = d00dfeed ] || fail "dtb magic"
[ "$(dd if="$T/a/kernel8.img" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' ')" = 41524d64 ] ||
	fail "kernel8.img arm64 magic"
[ "$(tail -c 16 "$T/a/kernel8.img" | head -c 8)" = PITESTBT ] || fail "trailer"
# every device tree and overlay is a blob dtc reads (scripts/install-deps.sh installs it)
if command -v dtc >/dev/null; then
	for f in "$T"/a/*.dtb "$T"/a/overlays/*.dtb*; do
		dts=$(dtc -q -I dtb -O dts "$f" 2>&1) || fail "dtc cannot read $f: $dts"
		grep -q "compatible = \"pitest,$(basename "$f")\"" <<<"$dts" || fail "$f: $dts"
	done
else
	echo "mktree: dtc not installed, device trees not parsed (run scripts/install-deps.sh)"
fi

# serial folders for the lab's boards with tftp_prefix: true, and only those
dirs=$(cd "$T/a" && find . -mindepth 1 -maxdepth 1 -type d | sort | tr '\n' ' ')
[ "$dirs" = "./1a2b3c4d ./6c9e41f2 ./overlays " ] || fail "folders: $dirs"
[ -f "$T/a/1a2b3c4d/start4.elf" ] && [ -f "$T/a/6c9e41f2/start.elf" ] || fail "prefix firmware"
[ "$(stat -c %i "$T/a/kernel8.img")" = "$(stat -c %i "$T/a/1a2b3c4d/kernel8.img")" ] || fail "not a hard link"
grep -q 'nfsroot=192.168.1.1:/srv/pitest/pi4b-1,vers=3,tcp' "$T/a/1a2b3c4d/cmdline.txt" || fail "board cmdline"
grep -q 'nfsroot=192.168.1.1:/srv/pitest/rootfs,vers=3,tcp' "$T/a/cmdline.txt" || fail "root cmdline"
grep -qx '\[pi4\]' "$T/a/config.txt" && grep -qx 'kernel=kernel_2712.img' "$T/a/config.txt" || fail "config.txt"

# 2. the same bytes twice
"$PITEST" mktree --lab "$LAB" "$T/b" >/dev/null
(cd "$T/a" && find . -type f | sort | xargs sha256sum) > "$T/a.sum"
(cd "$T/b" && find . -type f | sort | xargs sha256sum) > "$T/b.sum"
cmp -s "$T/a.sum" "$T/b.sum" || { diff "$T/a.sum" "$T/b.sum" | head; fail "trees differ"; }

# 3. options: one model, another server
"$PITEST" mktree --model pi5 --model pi2 --server 10.9.8.7 "$T/c"
[ -f "$T/c/kernel_2712.img" ] && [ -f "$T/c/kernel7.img" ] || fail "--model files"
[ ! -e "$T/c/kernel8.img" ] && [ ! -e "$T/c/start4.elf" ] || fail "--model wrote other models' files"
grep -q 'nfsroot=10.9.8.7:' "$T/c/cmdline.txt" || fail "--server"

# 4. mistakes: exit 2 and one message
expect_usage() {
	local want=$1; shift
	set +e
	out=$("$PITEST" mktree "$@" 2>&1)
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "mktree $* exited $rc, want 2"
	grep -q -- "$want" <<<"$out" || fail "mktree $*: no '$want' in: $out"
}
expect_usage "not empty" "$T/a"
expect_usage "wants pi2" --model pi9 "$T/d"
expect_usage "IPv4" --server nfs.example "$T/d"
expect_usage "give the directory" --model pi4b
expect_usage "unexpected argument" "$T/d" "$T/e"
expect_usage "cannot open" --lab "$T/no-such-lab.yaml" "$T/d"
[ ! -e "$T/d" ] || fail "a failed mktree wrote $T/d"
"$PITEST" mktree --force --lab "$LAB" "$T/a" || fail "--force"
"$PITEST" mktree --help > "$T/help" && grep -q "usage: pitest mktree" "$T/help" || fail "--help"
echo "mktree: ok"
