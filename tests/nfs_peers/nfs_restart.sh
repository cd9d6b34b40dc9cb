#!/bin/bash
# nfs_restart.sh - file handles stay valid across a restart of our NFS
# server with the same --state dir (same handle key), also for a file
# renamed in between (over NFS while running, and on the host while down).
set -u
. "$(dirname "$0")/nfs_lib.sh"
[ -x "${NFS_FH_TOOL:-}" ] || die "NFS_FH_TOOL not set"

E=$TMP/exp
mkdir -p "$E/d/e"
echo "first file" >"$E/d/e/one"
echo "second file" >"$E/two"
echo "third file" >"$E/three"
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
tool() { "$NFS_FH_TOOL" "$@"; }

# Handle $1 still reads as $2 and GETATTR gives the host's inode.
check_handle() {
	local hex=$1 want=$2 what=$3 ino=$4 out
	if out=$(tool getattr "$NFS_HOST" "$NFS_PORT" "$hex" 2>&1) && [ "${out%% *}" = "$ino" ]; then
		ok "$what: GETATTR ($out)"
	else
		bad "$what: GETATTR: $out (want fileid $ino)"
	fi
	if out=$(tool read "$NFS_HOST" "$NFS_PORT" "$hex" 2>&1) && [ "$out" = "$want" ]; then
		ok "$what: READ"
	else
		bad "$what: READ: $out"
	fi
}

nfs_start "$E=$E"
h_one=$(tool lookup "$NFS_HOST" "$NFS_PORT" "$MNT_PORT" "$E" d/e/one) || die "lookup d/e/one"
h_two=$(tool lookup "$NFS_HOST" "$NFS_PORT" "$MNT_PORT" "$E" two) || die "lookup two"
h_three=$(tool lookup "$NFS_HOST" "$NFS_PORT" "$MNT_PORT" "$E" three) || die "lookup three"
ino_one=$(stat -c %i "$E/d/e/one")
ino_two=$(stat -c %i "$E/two")
ino_three=$(stat -c %i "$E/three")

# Rename over NFS while running, then restart.
tool rename "$NFS_HOST" "$NFS_PORT" "$MNT_PORT" "$E" two two-renamed || bad "RENAME two"
check_handle "$h_two" "second file" "renamed over NFS, before restart" "$ino_two"
nfs_restart "$E=$E"
check_handle "$h_one" "first file" "after restart (nested)" "$ino_one"
check_handle "$h_two" "second file" "renamed over NFS, after restart" "$ino_two"
check_handle "$h_three" "third file" "after restart" "$ino_three"

# Rename on the host while the server is down: the fresh server finds it.
nfs_stop
mv "$E/three" "$E/d/three-moved"
mv "$E/d/e" "$E/d/e2"
nfs_start "$E=$E"
check_handle "$h_three" "third file" "moved on host while down" "$ino_three"
check_handle "$h_one" "first file" "parent dir renamed on host while down" "$ino_one"

# A removed file's handle is STALE after a restart, too.
nfs_stop
rm "$E/d/three-moved"
nfs_start "$E=$E"
if out=$(tool getattr "$NFS_HOST" "$NFS_PORT" "$h_three" 2>&1); then
	bad "removed file's handle still works: $out"
elif echo "$out" | grep -q STALE; then
	ok "removed file's handle after restart: $out"
else
	bad "removed file's handle after restart: $out (want STALE)"
fi

[ "$fails" = 0 ] || die "$fails check(s) failed"
echo PASS
