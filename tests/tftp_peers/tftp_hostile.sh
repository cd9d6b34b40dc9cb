#!/usr/bin/env bash
# Hostile requests against our TFTP server, over a veth between two network
# namespaces: path traversal, absolute paths, symlinks leading out (absolute,
# relative, a directory, a chain, a loop, a path that only shares the root's
# prefix), a FIFO, device nodes, a socket, a directory, encoded and
# backslashed dots, over-long names, bytes after an embedded NUL, malformed
# packets and uploads (WRQ). Each must be answered with ERROR (a malformed
# packet may also be ignored), never with data or an OACK; no byte from
# outside the root may come back (secret files are planted next to the root
# and their content is looked for in everything received); each attempt must
# add a tftp.refused or tftp.error event; uploads must create no file. The
# server must then still be alive and serve a good file byte-identical.
set -u
. "$(dirname "$0")/tftp_lib.sh"

RAW=$(dirname "$0")/tftp_raw.py
command -v python3 >/dev/null || die "python3 missing"
for t in tftp atftp curl mkfifo mknod; do command -v "$t" >/dev/null || die "$t missing"; done

# Secrets outside the root: next to it, in a directory, in a sibling whose
# name starts with the root's own name (a string-prefix check would let it by).
SECRET=PITEST-SECRET-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$TMP/outside" "$TMP/root2" "$TMP/got"
echo "$SECRET 1" >"$TMP/secret.txt"
echo "$SECRET 2" >"$TMP/outside/secret2.txt"
echo "$SECRET 3" >"$TMP/root2/secret3.txt"
PASSWD_MARK=$(head -n1 /etc/passwd)

# The root: one good file, a directory, and hostile entries.
head -c 100000 /dev/urandom >"$ROOT/good.bin"
mkdir -p "$ROOT/subdir" "$ROOT/a"
echo "inside" >"$ROOT/subdir/inside.txt"
ln -s "$TMP/secret.txt" "$ROOT/link-abs"
ln -s ../secret.txt "$ROOT/link-rel"
ln -s /etc/passwd "$ROOT/link-etc"
ln -s "$TMP/outside" "$ROOT/linkdir-abs"
ln -s .. "$ROOT/up"
ln -s ../.. "$ROOT/subdir/up2"
ln -s chain2 "$ROOT/chain1"
ln -s subdir/chain3 "$ROOT/chain2"
ln -s ../../secret.txt "$ROOT/subdir/chain3"
ln -s loop "$ROOT/loop"
ln -s "$TMP/root2/secret3.txt" "$ROOT/prefix-link"
mkfifo "$ROOT/fifo"
mknod "$ROOT/zero" c 1 5 || skip "mknod not permitted"
mknod "$ROOT/urandom" c 1 9
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$ROOT/sock"
chmod -R a+rX "$ROOT"
echo "upload" >"$TMP/upload.txt"
snapshot() {
	(cd "$ROOT" && find . -printf '%p %y %s\n' | sort && sha256sum good.bin)
	cat "$TMP"/secret.txt "$TMP"/*/secret*.txt
	ls "$TMP" "$TMP/outside" "$TMP/root2"
}

lab_up
start_server
BEFORE=$(snapshot)

FAILS=0
N=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
refusals() { grep -aEc '"event":"tftp\.(refused|error)"' "$EVENTS" 2>/dev/null; }

# Checks what came back (a file, possibly absent) holds nothing from outside.
leak_check() {
	local what=$1 f=$2
	[ -s "$f" ] || return 0
	if grep -aqF -e "$SECRET" -e "$PASSWD_MARK" "$f"; then
		fail "$what: content from outside the root came back"
	else
		fail "$what: got $(stat -c %s "$f") bytes for a hostile request"
	fi
}

# After an attempt: a new tftp.refused/tftp.error event (bounded wait).
event_check() {
	local what=$1 before=$2
	events_enabled || return 0
	for _ in $(seq 1 30); do
		[ "$(refusals)" -gt "$before" ] && return 0
		sleep 0.1
	done
	fail "$what: no tftp.refused/tftp.error event"
}

# raw LABEL ALLOW_SILENCE tftp_raw.py-args...: one hand-built request.
raw() {
	local label=$1 allow_none=$2; shift 2
	local out=$TMP/got/raw.$N before res
	N=$((N + 1))
	before=$(refusals)
	res=$(inc timeout 30 python3 "$RAW" "$SRV_IP" 69 "$@" --out "$out" 2>&1 | head -n1)
	case $res in
	ERROR*) log "[$N] $label -> $res"; event_check "$label" "$before" ;;
	NONE) if [ "$allow_none" = 1 ]; then log "[$N] $label -> ignored"; else fail "$label: no answer"; fi ;;
	*) fail "$label: answered '$res'" ;;
	esac
	leak_check "$label" "$out"
}

rrq() { raw "RRQ '$1'" 0 rrq "$@"; }

log "hostile read requests"
# A FIFO first: a server that opens it blocking would hang on every later case.
rrq fifo
rrq ../
rrq ..
rrq .
rrq ../secret.txt
rrq ../../etc/passwd
rrq ../../../../../../../../../../etc/passwd
rrq /etc/passwd
rrq "$TMP/secret.txt"
rrq "$ROOT/../secret.txt"
rrq ////etc/passwd
rrq a/../../secret.txt
rrq a/./../../secret.txt
rrq a/./../..
rrq ./..
rrq ./../secret.txt
rrq foo/..//../secret.txt
rrq a//////..//..//secret.txt
rrq subdir/../../secret.txt
rrq good.bin/../../secret.txt
rrq ....//secret.txt
rrq ../root2/secret3.txt
rrq link-abs
rrq link-rel
rrq link-etc
rrq linkdir-abs/secret2.txt
rrq up/secret.txt
rrq subdir/up2/secret.txt
rrq chain1
rrq loop
rrq prefix-link
rrq zero
rrq urandom
rrq sock
rrq subdir
rrq subdir/
rrq %2e%2e/secret.txt
rrq %2e%2e%2fsecret.txt
rrq ..%2fsecret.txt
rrq '..\secret.txt'
rrq '..\..\etc\passwd'
rrq "$(printf 'a%.0s' $(seq 1 300))"
rrq "$(printf '../%.0s' $(seq 1 100))etc/passwd"
rrq ../secret.txt netascii
# Options on a refused path: an OACK would already leak the size (tsize).
rrq ../secret.txt octet tsize 0 blksize 1468 windowsize 16
# Empty name.
raw "RRQ ''" 0 hex 00010000"$(printf octet | od -An -tx1 | tr -d ' \n')"00
# Overlong UTF-8 dots (0xc0 0xae): "../secret.txt" to a lax decoder.
raw "RRQ overlong-utf8 dots" 0 hex 0001c0aec0ae2f"$(printf secret.txt | od -An -tx1 | tr -d ' \n')"00"$(printf octet | od -An -tx1 | tr -d ' \n')"00
hexs() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# NUL tricks: a good name then hostile bytes after its NUL, and the reverse.
raw "RRQ good.bin NUL ../secret.txt" 0 hex 0001"$(hexs good.bin)"00"$(hexs ../secret.txt)"00"$(hexs octet)"00
raw "RRQ ../secret.txt NUL good.bin" 0 hex 0001"$(hexs ../secret.txt)"00"$(hexs good.bin)"00"$(hexs octet)"00
raw "RRQ link-abs NUL octet NUL junk" 0 hex 0001"$(hexs link-abs)"00"$(hexs octet)"00"$(hexs ../../etc/passwd)"00
# Malformed: no terminator at all, no mode, no name (answer or silence).
raw "RRQ no terminators" 1 hex 0001"$(hexs ../secret.txt)"
raw "RRQ no mode" 1 hex 0001"$(hexs ../secret.txt)"00
raw "RRQ opcode only" 1 hex 0001

log "uploads (WRQ)"
raw "WRQ new.txt" 0 wrq new.txt
raw "WRQ good.bin (overwrite)" 0 wrq good.bin
raw "WRQ ../evil.txt" 0 wrq ../evil.txt
raw "WRQ /tmp/pitest-evil.txt" 0 wrq "$TMP/evil2.txt"

# Real clients written by others: errors reported, nothing written locally.
# tftp-hpa exits 0 even on an error: its message is what tells.
client() {
	local label=$1; shift
	local before out=$TMP/got/client.$N rc=0 msg
	N=$((N + 1))
	before=$(refusals)
	msg=$(cd "$TMP/got" && inc timeout 30 "$@" 2>&1) || rc=$?
	case $label in
	tftp-hpa*) echo "$msg" | grep -q 'Error code' || fail "$label: no error reported ($msg)" ;;
	*) [ $rc -ne 0 ] || fail "$label: exit 0" ;;
	esac
	log "[$N] $label -> exit $rc: $(echo "$msg" | tail -n1)"
	event_check "$label" "$before"
}
client "tftp-hpa get ../secret.txt" tftp -m binary "$SRV_IP" -c get ../secret.txt "$TMP/got/c1"
client "tftp-hpa get /etc/passwd" tftp -m binary "$SRV_IP" -c get /etc/passwd "$TMP/got/c2"
client "tftp-hpa put" tftp -m binary "$SRV_IP" -c put "$TMP/upload.txt" put-hpa.txt
client "atftp get ../../etc/passwd" atftp -g -r ../../etc/passwd -l "$TMP/got/c3" "$SRV_IP" 69
client "atftp get link-rel (blksize, tsize)" atftp --option "blksize 1468" --option "tsize 0" \
	-g -r link-rel -l "$TMP/got/c4" "$SRV_IP" 69
client "atftp put" atftp -p -l "$TMP/upload.txt" -r put-atftp.txt "$SRV_IP" 69
client "curl --path-as-is ../secret.txt" curl -sS --path-as-is -o "$TMP/got/c5" "tftp://$SRV_IP/../secret.txt"
client "curl //etc/passwd" curl -sS --path-as-is -o "$TMP/got/c6" "tftp://$SRV_IP//etc/passwd"
client "curl -T upload" curl -sS -T "$TMP/upload.txt" "tftp://$SRV_IP/put-curl.txt"
for f in "$TMP"/got/c*; do leak_check "client output $(basename "$f")" "$f"; done

log "$N hostile requests sent"
[ "$N" -ge 30 ] || fail "only $N hostile requests"

# Nothing was created, changed or removed, inside the root or next to it.
AFTER=$(snapshot)
[ "$BEFORE" = "$AFTER" ] || { diff <(echo "$BEFORE") <(echo "$AFTER") >&2; fail "files changed"; }

# Still alive, and still serving a good file.
server_alive || fail "server died"
inc timeout 60 atftp --option "blksize 1468" -g -r good.bin -l "$TMP/good.out" "$SRV_IP" 69 >/dev/null 2>&1
[ "$(sha "$TMP/good.out" 2>/dev/null)" = "$(sha "$ROOT/good.bin")" ] || fail "good.bin not served after the hostile requests"
inc timeout 60 tftp -m binary "$SRV_IP" -c get subdir/inside.txt "$TMP/inside.out" >/dev/null 2>&1
cmp -s "$TMP/inside.out" "$ROOT/subdir/inside.txt" || fail "subdir/inside.txt not served"

if events_enabled; then
	# Only the good files were ever completed.
	bad_done=$(grep -aF '"event":"tftp.done"' "$EVENTS" | grep -avF -e '"file":"good.bin"' -e '"file":"subdir/inside.txt"' || true)
	[ -z "$bad_done" ] || fail "tftp.done for a hostile request: $bad_done"
	[ -n "$(events_for tftp.done good.bin)" ] || fail "no tftp.done for good.bin"
	grep -aq '"event":"tftp.refused"' "$EVENTS" || fail "no tftp.refused event at all"
	grep -aqF -e "$SECRET" "$EVENTS" && fail "the secret appears in the events file"
	events_are_json || fail "events file is not JSON lines"
	log "$(refusals) tftp.refused/tftp.error events"
fi

stop_server
if [ $FAILS -ne 0 ]; then
	[ -s "$TMP/server.err" ] && { echo "--- server stderr" >&2; tail -n 30 "$TMP/server.err" >&2; }
	die "$FAILS check(s) failed"
fi
echo "PASS: $N hostile requests refused by $TFTP_SERVER"
