# shellcheck shell=bash
# nfs_lib.sh - sourced by the NFS peer tests. Re-executes the test inside
# private network and mount namespaces (loopback up, nothing else), gives it
# a temp dir $TMP, and starts/stops the server under test on 127.0.0.1:
# `pitest nfsd` by default, nfs-ganesha (+ rpcbind) with NFS_SERVER=ganesha,
# which is how the client side of these tests was first checked.
#
# After nfs_start: $NFS_HOST, $NFS_PORT, $MNT_PORT, $NFS_OPTS (the URL
# query that skips the portmapper), $SRV_PID.

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root for namespaces"
for tool in unshare ip nfs-ls nfs-cat nfs-cp; do
	command -v "$tool" >/dev/null || die "$tool missing (scripts/install-deps.sh)"
done

NFS_SERVER=${NFS_SERVER:-pitest}
if [ -z "${NFSP_INSIDE:-}" ]; then
	if [ "$NFS_SERVER" = pitest ]; then
		[ -x "${PITEST_BIN:-}" ] || die "PITEST_BIN not set or not built"
	fi
	export NFSP_INSIDE=1
	exec unshare -n -m --propagation private bash "$0" "$@"
fi
ip link set lo up || die "lo up"

TMP=$(mktemp -d /tmp/pitest-nfsp-XXXXXX)
SRV_PID=
RPCBIND_PID=
NFS_HOST=127.0.0.1

# A sanitizer report from the server (ASan builds) fails the test, even if
# every check passed.
nfs_cleanup() {
	local rc=$? sanitized=0
	nfs_stop
	if [ -n "$RPCBIND_PID" ]; then kill "$RPCBIND_PID" 2>/dev/null; wait "$RPCBIND_PID" 2>/dev/null; fi
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/server.all" 2>/dev/null; then
		grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/server.all" | head -60 >&2
		echo "FAIL: sanitizer report from the server" >&2
		sanitized=1
	fi
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
	[ "$sanitized" = 0 ] || exit 1
	exit "$rc"
}
trap nfs_cleanup EXIT
trap 'exit 1' INT TERM

if [ "$NFS_SERVER" = pitest ]; then
	NFS_PORT=2049
	MNT_PORT=2049
else
	NFS_PORT=2049
	MNT_PORT=20048
fi
NFS_OPTS="nfsport=$NFS_PORT&mountport=$MNT_PORT"

# nfs_url PATH [QUERY]: a URL that skips the portmapper.
nfs_url() {
	local q="$NFS_OPTS"
	[ -n "${2:-}" ] && q="$q&$2"
	echo "nfs://$NFS_HOST$1?$q"
}

# Waits until MOUNT+NFS answer for export $1 (bounded, ~10 s).
nfs_wait_ready() {
	local i
	for i in $(seq 100); do
		if [ -n "$SRV_PID" ] && ! kill -0 "$SRV_PID" 2>/dev/null; then
			cat "$TMP/server.log" >&2
			die "server exited"
		fi
		if [ "$NFS_SERVER" = pitest ]; then
			grep -q "pitest nfsd: serving" "$TMP/server.log" 2>/dev/null && return 0
		else
			nfs-ls "$(nfs_url "$1")" >/dev/null 2>&1 && return 0
		fi
		sleep 0.1
	done
	cat "$TMP/server.log" >&2
	die "server not ready"
}

ganesha_conf() {
	local id=1 spec name dir access
	cat <<EOF
NFS_CORE_PARAM { NFS_Port = $NFS_PORT; MNT_Port = $MNT_PORT;
  Protocols = 3; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; }
EOF
	for spec in "$@"; do
		name=${spec%%=*}
		dir=${spec#*=}
		access=RW
		case $dir in *:ro) dir=${dir%:ro}; access=RO ;; esac
		cat <<EOF
EXPORT { Export_Id = $id; Path = "$dir"; Pseudo = "$name"; Access_Type = $access;
  Squash = No_Root_Squash; SecType = sys; Protocols = 3; FSAL { Name = VFS; } }
EOF
		id=$((id + 1))
	done
}

# nfs_start [--state DIR] NAME=DIR[:ro]...: starts the server with these
# exports (the first one is waited for). The state dir defaults to
# $TMP/state, so a restart keeps the handle key.
nfs_start() {
	local state="$TMP/state" args=() spec
	if [ "${1:-}" = --state ]; then state=$2; shift 2; fi
	mkdir -p "$state"
	if [ "$NFS_SERVER" = pitest ]; then
		for spec in "$@"; do args+=(--export "$spec"); done
		"$PITEST_BIN" nfsd "${args[@]}" --bind "$NFS_HOST" --port "$NFS_PORT" \
			--state "$state" --events "$TMP/events.jsonl" 2>"$TMP/server.log" &
		SRV_PID=$!
	else
		if [ -z "$RPCBIND_PID" ]; then
			mount -t tmpfs tmpfs /run || die "tmpfs on /run"
			mkdir -p /run/rpcbind
			rpcbind -f -w &
			RPCBIND_PID=$!
			sleep 0.3
		fi
		ganesha_conf "$@" >"$TMP/ganesha.conf"
		ganesha.nfsd -F -f "$TMP/ganesha.conf" -L "$TMP/server.log" -p "$TMP/ganesha.pid" &
		SRV_PID=$!
	fi
	nfs_wait_ready "${1%%=*}"
}

nfs_stop() {
	[ -n "$SRV_PID" ] || return 0
	kill -TERM "$SRV_PID" 2>/dev/null
	local i
	for i in $(seq 50); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
	cat "$TMP/server.log" >>"$TMP/server.all" 2>/dev/null
	return 0
}

nfs_restart() {
	nfs_stop
	nfs_start "$@"
}
