# shellcheck shell=bash
# ganesha.sh - sourced by NFS peer tests and benchmarks: nfs-ganesha (FSAL_VFS,
# NFSv3 over TCP only) plus its own rpcbind, run in the caller's current
# network namespace (one the test created with unshare -n or ip netns), so
# port 111 and 2049 there are free and nothing reaches the host's services.
#
# Both daemons run in one private mount namespace with tmpfs over /run and
# /var/lib/nfs: ganesha and rpcbind meet through /run/rpcbind.sock, never
# the host's rpcbind, and ganesha's recovery files stay out of the host.
#
#   ganesha_start DIR EXPORT ADDR [NFS_PORT [MNT_PORT]]
#       serve DIR at the NFSv3 mount path EXPORT (e.g. /export) on ADDR,
#       NFS on NFS_PORT (2049) and MOUNT on MNT_PORT (20048); both are also
#       registered with rpcbind on ADDR:111. Waits (bounded) for "NFS SERVER
#       INITIALIZED" and for rpcinfo to list NFS v3. Returns 1, with the
#       logs on stderr, on failure.
#       GANESHA_UDP=1 in the environment also serves (and registers) NFS and
#       MOUNT over UDP (Enable_UDP, Transports = UDP, TCP).
#   ganesha_stop       stop both daemons and remove the temp dir (kept, with
#                      its path printed, when GANESHA_KEEP=1)
#   ganesha_kill       stop both daemons, keep the temp dir
#   ganesha_logs       print the ganesha and rpcbind logs to stderr
#   ganesha_cpu_ticks  CPU ticks used by ganesha so far (for benchmarks)
# Sets GANESHA_TMP (config, logs, pid files), GANESHA_PID, GANESHA_RPCBIND_PID.
# The caller's EXIT trap should call ganesha_stop.

GANESHA_TMP=
GANESHA_PID=
GANESHA_RPCBIND_PID=
GANESHA_PLUGINS=${GANESHA_PLUGINS:-/usr/lib/x86_64-linux-gnu/ganesha}

ganesha_logs() {
	[ -n "$GANESHA_TMP" ] || return 0
	echo "---- ganesha log ($GANESHA_TMP/ganesha.log) ----" >&2
	tail -n 60 "$GANESHA_TMP/ganesha.log" >&2 2>/dev/null
	echo "---- ganesha stderr / rpcbind ----" >&2
	tail -n 20 "$GANESHA_TMP/run.err" >&2 2>/dev/null
}

ganesha_start() { # DIR EXPORT ADDR [NFS_PORT [MNT_PORT]]
	local dir=$1 export=$2 addr=$3 nfs_port=${4:-2049} mnt_port=${5:-20048} t
	for t in ganesha.nfsd rpcbind rpcinfo unshare; do
		command -v "$t" >/dev/null || { echo "ganesha.sh: $t missing (scripts/install-deps.sh)" >&2; return 1; }
	done
	[ -e "$GANESHA_PLUGINS/libfsalvfs.so" ] ||
		{ echo "ganesha.sh: $GANESHA_PLUGINS/libfsalvfs.so missing (nfs-ganesha-vfs)" >&2; return 1; }
	# ganesha starts even when its only export fails: check first.
	[ -d "$dir" ] || { echo "ganesha.sh: $dir is not a directory" >&2; return 1; }
	GANESHA_TMP=$(mktemp -d /tmp/pitest-ganesha-XXXXXX)
	# ganesha resolves Bind_addr with AI_ADDRCONFIG, which fails for
	# 127.0.0.1 in a namespace whose only interface is lo: there it binds
	# the wildcard, which in a test's own namespace is loopback anyway.
	local udp=false transports=TCP
	[ "${GANESHA_UDP:-0}" = 1 ] && udp=true transports="UDP, TCP"
	local bind="Bind_addr = $addr;"
	case $addr in 127.*) bind="# Bind_addr: wildcard (loopback-only namespace)" ;; esac
	cat >"$GANESHA_TMP/ganesha.conf" <<EOF
NFS_CORE_PARAM {
	NFS_Port = $nfs_port;
	MNT_Port = $mnt_port;
	$bind
	Protocols = 3;
	Enable_NLM = false;
	Enable_RQUOTA = false;
	Enable_UDP = $udp;
	mount_path_pseudo = true;
	Plugins_Dir = $GANESHA_PLUGINS;
}
NFSV4 { Graceless = true; }
EXPORT {
	Export_Id = 1;
	Path = $dir;
	Pseudo = $export;
	Protocols = 3;
	Transports = $transports;
	Access_Type = RW;
	Squash = No_Root_Squash;
	SecType = sys;
	FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
EOF
	# unshare without --fork execs bash, which execs ganesha: $! is ganesha.
	unshare -m --propagation private bash -c '
		T=$1; shift
		mount -t tmpfs -o mode=755 pitest-run /run || exit 1
		[ -d /var/lib/nfs ] && { mount -t tmpfs pitest-nfs /var/lib/nfs || exit 1; }
		mkdir -p /run/rpcbind /var/lib/nfs/ganesha
		rpcbind -f -w &
		echo $! >"$T/rpcbind.pid"
		for i in $(seq 1 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done
		exec ganesha.nfsd -F -L "$T/ganesha.log" -f "$T/ganesha.conf" -p "$T/ganesha.pid"
	' ganesha-run "$GANESHA_TMP" >"$GANESHA_TMP/run.out" 2>"$GANESHA_TMP/run.err" &
	GANESHA_PID=$!
	for _ in $(seq 1 150); do
		[ -z "$GANESHA_RPCBIND_PID" ] && [ -s "$GANESHA_TMP/rpcbind.pid" ] &&
			GANESHA_RPCBIND_PID=$(cat "$GANESHA_TMP/rpcbind.pid")
		if ! kill -0 "$GANESHA_PID" 2>/dev/null; then
			echo "ganesha.sh: ganesha.nfsd exited during start-up" >&2
			ganesha_logs
			ganesha_kill
			return 1
		fi
		if grep -q "NFS SERVER INITIALIZED" "$GANESHA_TMP/ganesha.log" 2>/dev/null &&
			rpcinfo -p "$addr" 2>/dev/null | awk '$1 == 100003 && $2 == 3 { ok = 1 } END { exit !ok }'; then
			return 0
		fi
		sleep 0.1
	done
	echo "ganesha.sh: ganesha not ready on $addr after 15 s" >&2
	ganesha_logs
	ganesha_kill
	return 1
}

ganesha_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$GANESHA_PID/stat" 2>/dev/null || echo 0
}

# Both daemons, not the temp dir (its logs may still be wanted).
ganesha_kill() {
	local p
	[ -z "$GANESHA_RPCBIND_PID" ] && [ -s "$GANESHA_TMP/rpcbind.pid" ] &&
		GANESHA_RPCBIND_PID=$(cat "$GANESHA_TMP/rpcbind.pid")
	for p in "$GANESHA_PID" "$GANESHA_RPCBIND_PID"; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null || continue
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$GANESHA_PID" ] && wait "$GANESHA_PID" 2>/dev/null
	GANESHA_PID=
	GANESHA_RPCBIND_PID=
}

ganesha_stop() {
	ganesha_kill
	if [ -n "$GANESHA_TMP" ]; then
		if [ "${GANESHA_KEEP:-0}" = 1 ]; then
			echo "ganesha.sh: kept $GANESHA_TMP" >&2
		else
			rm -rf "$GANESHA_TMP"
		fi
	fi
	GANESHA_TMP=
	return 0
}
