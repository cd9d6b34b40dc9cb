#!/bin/bash
# nfs_drc.sh - drives nfs_drc: non-idempotent calls repeated with the same
# xid get the cached reply from our server; new xids get the real status.
set -u
. "$(dirname "$0")/nfs_lib.sh"
[ -x "${NFS_DRC:-}" ] || die "NFS_DRC not set"

E=$TMP/exp
mkdir -p "$E"
echo v >"$E/victim"
echo f >"$E/from"
nfs_start "$E=$E"
"$NFS_DRC" "$NFS_HOST" "$NFS_PORT" "$MNT_PORT" "$E" || die "DRC checks failed"
echo PASS
