#!/bin/bash
# nfs_escape.sh - drives nfs_escape (tries to leave the export through
# every door) against our NFS server, then the handle attempts that need a
# server restart: a handle under another state dir's key must be refused.
set -u
. "$(dirname "$0")/nfs_lib.sh"
[ -x "${NFS_ESCAPE:-}" ] || die "NFS_ESCAPE not set"
[ -x "${NFS_FH_TOOL:-}" ] || die "NFS_FH_TOOL not set"

E=$TMP/exp
E2=$TMP/exp2
OUT=$TMP/outside
mkdir -p "$E/dir" "$E2" "$OUT/emptydir"
echo inside >"$E/file"
ln -s /etc/passwd "$E/to_passwd"
ln -s "$OUT" "$E/to_outside"
ln -s ../outside "$E/rel_out"
echo "CANARY $$" >"$OUT/canary"
touch -d '2001-02-03 04:05:06' "$OUT/canary"
canary_sum() { stat -c '%s %Y %i %h %a' "$OUT/canary"; md5sum <"$OUT/canary"; }
before=$(canary_sum)
passwd_before=$(md5sum </etc/passwd)

nfs_start "$E=$E" "$E2=$E2"
"$NFS_ESCAPE" "$NFS_HOST" "$NFS_PORT" "$MNT_PORT" "$E" "$E2" "$OUT" "$(stat -c %i "$OUT/canary")"
rc=$?
[ "$rc" = 0 ] || echo "nfs_escape exit $rc"

fails=0
if [ "$NFS_SERVER" = pitest ]; then
	# A handle issued under one state dir's key, presented to a server with
	# another key (same export, same file): refused.
	hex=$("$NFS_FH_TOOL" lookup "$NFS_HOST" "$NFS_PORT" "$MNT_PORT" "$E" file) ||
		die "lookup file"
	nfs_restart --state "$TMP/other-state" "$E=$E" "$E2=$E2"
	if out=$("$NFS_FH_TOOL" getattr "$NFS_HOST" "$NFS_PORT" "$hex" 2>&1); then
		echo "FAIL handle from another server instance accepted: $out"; fails=$((fails + 1))
	elif echo "$out" | grep -qE 'BADHANDLE|STALE'; then
		echo "ok   handle from another server instance: $out"
	else
		echo "FAIL handle from another server instance: $out"; fails=$((fails + 1))
	fi
else
	echo "skip handle from another server instance (needs --state)"
fi

[ "$(canary_sum)" = "$before" ] || { echo "FAIL canary changed"; fails=$((fails + 1)); }
[ "$(md5sum </etc/passwd)" = "$passwd_before" ] || { echo "FAIL /etc/passwd changed"; fails=$((fails + 1)); }
[ -z "$(ls -A "$OUT/emptydir")" ] || { echo "FAIL outside dir not empty"; fails=$((fails + 1)); }
[ "$(cd "$OUT" && find . -mindepth 1 -maxdepth 1 -printf "%P " | tr " " "\n" | sort | tr "\n" " ")" = "canary emptydir " ] || { echo "FAIL outside has new entries"; fails=$((fails + 1)); }
if [ "$rc" != 0 ] || [ "$fails" != 0 ]; then die "escape attempts not all refused"; fi
echo PASS
