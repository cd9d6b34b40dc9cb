#!/bin/bash
# nfs_libnfs_utils.sh - our NFS server against libnfs-utils (nfs-ls, nfs-cat,
# nfs-cp): listings match the host tree, reads and writes are byte-identical
# at block-boundary and large sizes, over the portmapper and with explicit
# ports, a read-only export refuses writes, AUTH_SYS uid= is honoured.
# Runs in private namespaces on 127.0.0.1 (nfs_lib.sh).
set -u
. "$(dirname "$0")/nfs_lib.sh"

# libnfs-utils mount the URL's directory part as the export (nfs-cat
# nfs://h/EXPORT/sub/f mounts EXPORT/sub), and our server mounts exports
# only, not their subdirectories: every file used below is at an export's
# top level; the tree for the recursive listing is an export of its own.
E=$TMP/exp
T=$TMP/tree
R=$TMP/ro
SIZES="0 1 4095 4096 4097 1048576 1048577 17825792 268435456"
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# The 256 MiB file is sparse with random blocks every 16 MiB (cheap to make,
# still detects misplaced data); the others are random throughout.
make_file() {
	local path=$1 size=$2 off
	if [ "$size" -ge 268435456 ]; then
		truncate -s "$size" "$path"
		for off in $(seq 0 16 255); do
			head -c 4096 /dev/urandom | dd of="$path" bs=1M seek="$off" conv=notrunc status=none
		done
	else
		head -c "$size" /dev/urandom >"$path"
	fi
}

mkdir -p "$T/sub/deep" "$E" "$R" "$TMP/src" "$TMP/down" "$TMP/read"
for s in $SIZES; do
	make_file "$E/f$s" "$s"
	make_file "$TMP/src/f$s" "$s"
done
echo hello >"$T/a"
head -c 5000 /dev/urandom >"$T/sub/b"
: >"$T/sub/deep/empty"
ln -s a "$T/link"
ln -s /etc/passwd "$T/abs"
mkdir "$T/emptydir"
echo secret >"$E/private"
chmod 600 "$E/private"
echo public >"$E/public"
echo keep >"$R/existing"

nfs_start "$E=$E" "$T=$T" "$R=$R:ro"

# nfs-ls prints "<mode> <nlink> <uid> <gid> <size> <name>"; compare type,
# size (not for directories) and the relative name with the host's view.
expected_listing() {
	(cd "$1" && find . -mindepth 1 -printf '%y %s %P\n') |
		awk '{ t = $1; if (t == "f") t = "-"; s = (t == "d") ? "-" : $2; print t, s, $3 }' | sort
}
nfs_listing() {
	awk 'NF >= 6 { t = substr($1, 1, 1); s = (t == "d") ? "-" : $5; print t, s, $6 }' | sort
}

if ! out=$(nfs-ls -R "$(nfs_url "$T")" 2>&1); then
	bad "nfs-ls -R: $out"
elif diff <(expected_listing "$T") <(echo "$out" | nfs_listing) >"$TMP/ls.diff"; then
	ok "nfs-ls -R matches host tree ($(echo "$out" | wc -l) entries)"
else
	bad "nfs-ls -R differs:"; cat "$TMP/ls.diff"
fi
if ! out=$(nfs-ls "$(nfs_url "$T")" 2>&1); then
	bad "nfs-ls: $out"
elif diff <(expected_listing "$T" | grep -v ' .*/') <(echo "$out" | nfs_listing) >"$TMP/ls.diff"; then
	ok "nfs-ls matches host top level"
else
	bad "nfs-ls differs:"; cat "$TMP/ls.diff"
fi

# Reads: nfs-cat and nfs-cp server->host.
for s in $SIZES; do
	if nfs-cat "$(nfs_url "$E/f$s")" >"$TMP/read/f$s" 2>"$TMP/err" &&
		cmp -s "$E/f$s" "$TMP/read/f$s"; then
		ok "nfs-cat $s B identical"
	else
		bad "nfs-cat $s B: $(head -c 300 "$TMP/err"; cmp "$E/f$s" "$TMP/read/f$s" 2>&1)"
	fi
	rm -f "$TMP/read/f$s"
	if nfs-cp "$(nfs_url "$E/f$s")" "$TMP/down/f$s" >/dev/null 2>"$TMP/err" &&
		cmp -s "$E/f$s" "$TMP/down/f$s"; then
		ok "nfs-cp server->host $s B identical"
	else
		bad "nfs-cp server->host $s B: $(head -c 300 "$TMP/err")"
	fi
	rm -f "$TMP/down/f$s"
done

# Writes: nfs-cp host->server, checked on the host side.
for s in $SIZES; do
	if nfs-cp "$TMP/src/f$s" "$(nfs_url "$E/up_f$s")" >/dev/null 2>"$TMP/err" &&
		cmp -s "$TMP/src/f$s" "$E/up_f$s"; then
		ok "nfs-cp host->server $s B identical"
	else
		bad "nfs-cp host->server $s B: $(head -c 300 "$TMP/err"; cmp "$TMP/src/f$s" "$E/up_f$s" 2>&1)"
	fi
done
# nfs-cp opens the destination O_EXCL: a second copy must fail, data kept.
if nfs-cp "$TMP/src/f4096" "$(nfs_url "$E/up_f1")" >/dev/null 2>&1; then
	bad "nfs-cp onto an existing file succeeded"
elif cmp -s "$TMP/src/f1" "$E/up_f1"; then
	ok "nfs-cp onto an existing file refused (EXCL), old data kept"
else
	bad "nfs-cp onto an existing file changed it"
fi
rm -f "$E"/up_f*

# Over the portmapper: no port arguments at all.
pmap_url="nfs://$NFS_HOST$E"
if out=$(nfs-ls "$pmap_url" 2>&1) && echo "$out" | grep -q ' public$'; then
	ok "nfs-ls via portmapper"
else
	bad "nfs-ls via portmapper: $out"
fi
if nfs-cat "$pmap_url/f1048577" 2>"$TMP/err" | cmp -s - "$E/f1048577"; then
	ok "nfs-cat via portmapper identical"
else
	bad "nfs-cat via portmapper: $(head -c 300 "$TMP/err")"
fi
if nfs-cp "$TMP/src/f4097" "$pmap_url/pm4097" >/dev/null 2>"$TMP/err" &&
	cmp -s "$TMP/src/f4097" "$E/pm4097"; then
	ok "nfs-cp via portmapper identical"
else
	bad "nfs-cp via portmapper: $(head -c 300 "$TMP/err")"
fi

# Read-only export: reads work, writes fail and create nothing.
before=$(cd "$R" && find . -printf '%p %s %T@\n' | sort)
if nfs-cat "$(nfs_url "$R/existing")" 2>/dev/null | grep -qx keep; then
	ok "read-only export readable"
else
	bad "read-only export not readable"
fi
if nfs-cp "$TMP/src/f4096" "$(nfs_url "$R/new")" >/dev/null 2>"$TMP/err"; then
	bad "nfs-cp into read-only export succeeded"
elif [ -e "$R/new" ]; then
	bad "nfs-cp into read-only export failed but created the file"
else
	ok "nfs-cp into read-only export refused ($(grep -o 'NFS3ERR_[A-Z]*' "$TMP/err" | head -1))"
fi
after=$(cd "$R" && find . -printf '%p %s %T@\n' | sort)
if [ "$before" = "$after" ]; then ok "read-only export unchanged"; else bad "read-only export changed"; fi

# AUTH_SYS identity: uid=1000 may read a 0644 file, not a root 0600 one.
if nfs-cat "$(nfs_url "$E/public" "uid=1000&gid=1000")" 2>/dev/null | grep -qx public; then
	ok "uid=1000 reads a 0644 file"
else
	bad "uid=1000 cannot read a 0644 file"
fi
if out=$(nfs-cat "$(nfs_url "$E/private" "uid=1000&gid=1000")" 2>&1) && echo "$out" | grep -q secret; then
	bad "uid=1000 read a root 0600 file"
else
	ok "uid=1000 refused a root 0600 file"
fi
if nfs-cat "$(nfs_url "$E/private")" 2>/dev/null | grep -qx secret; then
	ok "uid=0 reads the root 0600 file"
else
	bad "uid=0 cannot read its own 0600 file"
fi

# Not an assertion: MNT of a directory inside an export (knfsd and ganesha
# allow it; libnfs needs it to reach nested files by URL).
if nfs-cat "$(nfs_url "$T/sub/b")" 2>/dev/null | cmp -s - "$T/sub/b"; then
	echo "info nfs-cat of a nested file (subdirectory MNT) works"
else
	echo "info nfs-cat of a nested file fails: the server refuses MNT of a subdirectory"
fi

[ "$fails" = 0 ] || die "$fails check(s) failed"
echo "PASS"
