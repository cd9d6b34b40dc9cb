#!/usr/bin/env bash
# Real TFTP clients written by others fetch files from our server over a veth
# between two network namespaces; every copy must be byte-identical (sha256)
# and, for our server, the events file must hold one tftp.done per transfer
# with the right byte count, block size and window size.
# TFTP_CLIENT picks the client: tftp-hpa (no options, 512-byte blocks),
# atftp (blksize 1468, tsize 0, windowsize 16; then windowsize 16 at 512 B
# on the 40 MiB file: windows straddling the block-number rollover), curl
# (--tftp-blksize 1468, then 512 B on the 40 MiB file; the empty file
# without options, see below).
# 40 MiB at 512-byte blocks is 81920 blocks: the 16-bit block number wraps.
set -u
. "$(dirname "$0")/tftp_lib.sh"

CLIENT=${TFTP_CLIENT:-tftp-hpa}
case $CLIENT in
tftp-hpa) command -v tftp >/dev/null || die "tftp missing (package tftp-hpa)" ;;
atftp) command -v atftp >/dev/null || die "atftp missing" ;;
curl) command -v curl >/dev/null || die "curl missing" ;;
*) die "TFTP_CLIENT must be tftp-hpa, atftp or curl" ;;
esac

# name size: the edge sizes around 512 and 1468, 1 MiB, and 40 MiB.
FILES=(
	"empty.bin 0"
	"b511.bin 511"
	"b512.bin 512"
	"b1468.bin 1468"
	"overlays/b2936.dtbo 2936"
	"m1.bin 1048576"
	"m40.bin 41943040"
)
mkdir -p "$ROOT/overlays" "$TMP/got"
for f in "${FILES[@]}"; do
	set -- $f
	head -c "$2" /dev/urandom >"$ROOT/$1"
	chmod 644 "$ROOT/$1"
done

lab_up
start_server

FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
declare -A FETCHES=()   # file -> expected tftp.done lines ("blksize windowsize" each)

# fetch NAME MODE: MODE is "std" (the client's options above) or "512".
fetch() {
	local name=$1 mode=$2 out rc=0 bs ws
	out=$TMP/got/$(echo "$name" | tr / _).$mode
	rm -f "$out"
	case $CLIENT in
	tftp-hpa)
		# -m binary: octet mode (tftp-hpa defaults to netascii).
		inc timeout 180 tftp -m binary "$SRV_IP" -c get "$name" "$out" || rc=$?
		bs=512 ws=1 ;;
	atftp)
		if [ "$mode" = std ]; then
			inc timeout 180 atftp --option "blksize 1468" --option "tsize 0" \
				--option "windowsize 16" -g -r "$name" -l "$out" "$SRV_IP" 69 || rc=$?
			bs=1468 ws=16
		else
			inc timeout 180 atftp --option "tsize 0" --option "windowsize 16" \
				-g -r "$name" -l "$out" "$SRV_IP" 69 || rc=$?
			bs=512 ws=16
		fi ;;
	curl)
		if [ "$mode" = std ]; then
			inc timeout 180 curl -sS --tftp-blksize 1468 -o "$out" "tftp://$SRV_IP/$name" || rc=$?
			bs=1468 ws=1
		elif [ "$mode" = noopt ]; then
			inc timeout 180 curl -sS --tftp-no-options -o "$out" "tftp://$SRV_IP/$name" || rc=$?
			bs=512 ws=1
		else
			inc timeout 180 curl -sS -o "$out" "tftp://$SRV_IP/$name" || rc=$?
			bs=512 ws=1
		fi ;;
	esac
	[ $rc -eq 0 ] || { fail "$CLIENT ($mode) $name: exit $rc"; return; }
	[ -f "$out" ] || { fail "$CLIENT ($mode) $name: no output file"; return; }
	if [ "$(sha "$out")" != "$(sha "$ROOT/$name")" ]; then
		fail "$CLIENT ($mode) $name: sha256 differs ($(stat -c %s "$out") of $(stat -c %s "$ROOT/$name") bytes)"
		return
	fi
	log "$CLIENT ($mode) $name: $(stat -c %s "$out") bytes, sha256 ok"
	FETCHES[$name]+="$bs $ws;"
	rm -f "$out"
}

for f in "${FILES[@]}"; do
	set -- $f
	# curl 7.88 rejects the OACK of an empty file ("invalid tsize -:0:- value
	# in OACK packet", exit 71, with tftpd-hpa too): it gets it without options.
	if [ "$CLIENT" = curl ] && [ "$2" = 0 ]; then fetch "$1" noopt; else fetch "$1" std; fi
done
# Block-number rollover at 512-byte blocks (tftp-hpa only has 512).
[ "$CLIENT" != tftp-hpa ] && fetch m40.bin 512

server_alive || fail "server died"

# Events: one tftp.done per transfer with the file's size; blksize/windowsize
# as negotiated. Waits for the last one (the server may log after the client exits).
if events_enabled; then
	for f in "${FILES[@]}"; do
		set -- $f
		name=$1 size=$2
		want=${FETCHES[$name]:-}
		[ -n "$want" ] || continue
		n_want=$(tr ';' '\n' <<<"$want" | grep -c .)
		for _ in $(seq 1 100); do
			[ "$(events_for tftp.done "$name" | wc -l)" -ge "$n_want" ] && break
			sleep 0.1
		done
		done_lines=$(events_for tftp.done "$name")
		n_got=$(grep -c . <<<"$done_lines")
		[ "$n_got" -eq "$n_want" ] || { fail "$name: $n_got tftp.done events, want $n_want"; continue; }
		got_pairs=
		while IFS= read -r line; do
			b=$(json_field bytes "$line")
			[ "$b" = "$size" ] || fail "$name: tftp.done bytes=$b, want $size: $line"
			got_pairs+="$(json_field blksize "$line") $(json_field windowsize "$line");"
		done <<<"$done_lines"
		sorted() { tr ';' '\n' <<<"$1" | grep . | sort; }
		[ "$(sorted "$got_pairs")" = "$(sorted "$want")" ] ||
			fail "$name: tftp.done blksize/windowsize '$got_pairs', want '$want'"
	done
	# No transfer failed and the server logged no error of its own.
	if grep -aEq '"event":"tftp\.(error|timeout|refused)"' "$EVENTS"; then
		grep -aE '"event":"tftp\.(error|timeout|refused)"' "$EVENTS" >&2
		fail "unexpected error/timeout/refused events"
	fi
	# Every line is a JSON object.
	events_are_json || fail "events file is not JSON lines"
fi

stop_server
if [ $FAILS -ne 0 ]; then
	[ -s "$TMP/server.err" ] && { echo "--- server stderr" >&2; tail -n 30 "$TMP/server.err" >&2; }
	die "$FAILS check(s) failed"
fi
echo "PASS: $CLIENT fetched ${#FILES[@]} files byte-identical from $TFTP_SERVER"
