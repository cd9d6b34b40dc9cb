#!/usr/bin/env bash
# `pitest nfsd` on loopback of a private network namespace, against clients
# written by others: rpcinfo (libtirpc) asks the portmapper and pings every
# program and version on TCP and UDP, including the ones we must refuse
# (NFS v2: version mismatch; NFSACL: program unavailable); libnfs's nfs-ls
# lists the export and nfs-cat reads a file back. Then the start-up errors:
# a port in use (exit 1, naming the port) and a bad --export (exit 2).
set -u
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root for a network namespace and port 111" >&2
	exit 77
fi
if [ -z "${RPC_GLUE_IN_NETNS:-}" ]; then
	RPC_GLUE_IN_NETNS=1 exec unshare -n bash "$0" "$@"
fi
ip link set lo up

PITEST=${PITEST_BIN:?PITEST_BIN not set}
TMP=$(mktemp -d /tmp/rpc-glue-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
for tool in rpcinfo nfs-ls nfs-cat; do
	command -v $tool >/dev/null || { echo "FAIL: $tool missing" >&2; exit 1; }
done

mkdir -p "$TMP/export/sub" "$TMP/state"
echo "hello from pitest" >"$TMP/export/hello.txt"
head -c 3000000 /dev/urandom >"$TMP/export/big.bin"

"$PITEST" nfsd --export /export="$TMP/export" --state "$TMP/state" \
	--events "$TMP/events.jsonl" 2>"$TMP/nfsd.err" &
PID=$!
for _ in $(seq 100); do
	grep -q "serving" "$TMP/nfsd.err" 2>/dev/null && break
	kill -0 $PID 2>/dev/null || break
	sleep 0.1
done
grep -q "pitest nfsd: serving /export ($TMP/export) on 127.0.0.1:2049, portmapper on 127.0.0.1:111" \
	"$TMP/nfsd.err" || { cat "$TMP/nfsd.err" >&2; echo "FAIL: server did not start" >&2; exit 1; }

out=$(timeout 10 rpcinfo -p 127.0.0.1 2>&1) || fail "rpcinfo -p: $out"
echo "$out"
for want in "100000 *2 *tcp *111 *portmapper" "100000 *2 *udp *111 *portmapper" \
	"100005 *3 *tcp *2049 *mountd" "100005 *3 *udp *2049 *mountd" \
	"100003 *3 *tcp *2049 *nfs" "100003 *3 *udp *2049 *nfs"; do
	echo "$out" | grep -Eq "$want" || fail "rpcinfo -p lacks '$want'"
done

ping() { # ping FLAG PROG VERS EXPECT-REGEX
	local o
	o=$(timeout 10 rpcinfo $1 127.0.0.1 "$2" "$3" 2>&1)
	echo "rpcinfo $1 $2 $3: $o"
	echo "$o" | grep -Eq "$4" || fail "rpcinfo $1 $2 $3: wanted /$4/, got: $o"
}
ping -t 100003 3 "program 100003 version 3 ready and waiting"
ping -u 100003 3 "program 100003 version 3 ready and waiting"
ping -t 100005 3 "program 100005 version 3 ready and waiting"
ping -u 100005 3 "program 100005 version 3 ready and waiting"
ping -t 100000 2 "program 100000 version 2 ready and waiting"
ping -t 100003 2 "version mismatch|Program/version mismatch|low version = 3"
ping -t 100227 3 "is not available|Program not registered|[Pp]rogram unavailable"
# Straight to the NFS port: our own PROG_MISMATCH. (rpcinfo -n still asks the
# portmapper whether a program exists, so NFSACL's PROG_UNAVAIL is only seen
# by the unit test.)
ping "-n 2049 -u" 100003 4 "version mismatch|low version = 3"

o=$(timeout 20 nfs-ls "nfs://127.0.0.1/export/" 2>&1) || fail "nfs-ls: $o"
echo "$o"
echo "$o" | grep -q "hello.txt" || fail "nfs-ls does not list hello.txt"
echo "$o" | grep -q "sub" || fail "nfs-ls does not list sub"
timeout 20 nfs-cat "nfs://127.0.0.1/export/big.bin" >"$TMP/big.got" 2>"$TMP/cat.err" ||
	fail "nfs-cat: $(cat "$TMP/cat.err")"
cmp -s "$TMP/export/big.bin" "$TMP/big.got" || fail "nfs-cat: big.bin differs"
grep -q '"event":"rpc.call"' "$TMP/events.jsonl" || fail "no rpc.call in the events file"
grep -q '"event":"nfs.mount"' "$TMP/events.jsonl" || fail "no nfs.mount in the events file"

# Start-up errors while the first server holds the ports.
"$PITEST" nfsd --export /export="$TMP/export" --state "$TMP/state" -q 2>"$TMP/busy.err"
rc=$?
[ $rc = 1 ] || fail "port in use: exit $rc, wanted 1"
grep -q "2049" "$TMP/busy.err" || fail "port in use: message does not name 2049: $(cat "$TMP/busy.err")"
"$PITEST" nfsd --export /export="$TMP/export" --port 0 --state "$TMP/state" -q 2>"$TMP/busy111.err"
rc=$?
[ $rc = 1 ] || fail "port 111 in use: exit $rc, wanted 1"
grep -q "111.*rpcbind running" "$TMP/busy111.err" ||
	fail "port 111 in use: no rpcbind hint: $(cat "$TMP/busy111.err")"
"$PITEST" nfsd --export export-without-slash 2>"$TMP/bad.err"
rc=$?
[ $rc = 2 ] || fail "bad --export: exit $rc, wanted 2"
[ "$(grep -c "pitest nfsd:" "$TMP/bad.err")" = 1 ] || fail "bad --export: $(cat "$TMP/bad.err")"

kill -TERM $PID
wait $PID
rc=$?
PID=
[ $rc = 0 ] || fail "SIGTERM: exit $rc, wanted 0"

[ $FAILS = 0 ] || { echo "$FAILS failure(s)" >&2; cat "$TMP/nfsd.err" | tail -20 >&2; exit 1; }
echo "PASS"
