# shellcheck shell=bash
# tftp_lib.sh - sourced by the TFTP peer tests: a server namespace and a
# client namespace joined by one veth pair, a TFTP root in a temp dir, and
# the server under test (ours, or tftpd-hpa with TFTP_SERVER=hpa to check a
# script against a reference). Everything is removed on any exit.
# Server: $SRV_IP in $NS_S; client: $CLI_IP in $NS_C; root: $ROOT.

PAIR_TAG=tftp
. "$(dirname "${BASH_SOURCE[0]}")/../lib/netns_pair.sh"
log() { echo "-- $*"; }
command -v sha256sum >/dev/null || skip "sha256sum missing"

TFTP_SERVER=${TFTP_SERVER:-ours}
case $TFTP_SERVER in
ours) [ -n "${TFTP_DRIVER:-}" ] && [ -x "$TFTP_DRIVER" ] || skip "TFTP_DRIVER not built" ;;
hpa) command -v in.tftpd >/dev/null || die "in.tftpd missing (scripts/install-deps.sh installs tftpd-hpa)" ;;
*) die "TFTP_SERVER must be ours or hpa" ;;
esac

SRV_IP=192.168.78.1
CLI_IP=192.168.78.2
ROOT=$TMP/root
EVENTS=$TMP/events.jsonl
SERVER_PID=

# tftpd-hpa drops to "nobody": the root and its files must be world-readable.
mkdir -p "$ROOT"
chmod 755 "$TMP" "$ROOT"

lab_up() {
	pair_up "$SRV_IP/24"
	inc ip addr add "$CLI_IP/24" dev "$CIF"
	ins ip link set "$SIF" up
	inc ip link set "$CIF" up
	# The link needs a moment before the first datagram gets through.
	for _ in $(seq 1 50); do
		inc ping -c1 -W1 "$SRV_IP" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "veth did not come up"
}

# Waits (bounded, ~10 s) until FILE has a line matching the ERE.
wait_for() {
	local file=$1 pattern=$2
	for _ in $(seq 1 100); do
		grep -Eq -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Starts the server under test on $SRV_IP:69 serving $ROOT; extra args go to
# our driver (e.g. --fault "...").
start_server() {
	: >"$EVENTS"
	if [ "$TFTP_SERVER" = ours ]; then
		bg_in "$NS_S" "$TFTP_DRIVER" --root "$ROOT" --listen "$SRV_IP" --port 69 \
			--events "$EVENTS" "$@" >"$TMP/server.out" 2>"$TMP/server.err"
		SERVER_PID=$LAST_PID
		wait_for "$TMP/server.out" '^ready' || { cat "$TMP/server.err"; die "driver did not start"; }
	else
		bg_in "$NS_S" in.tftpd -L -v -s "$ROOT" --address "$SRV_IP:69" \
			>"$TMP/server.out" 2>"$TMP/server.err"
		SERVER_PID=$LAST_PID
		sleep 0.3
	fi
	kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.err"; die "server exited at start"; }
}

server_alive() { kill -0 "$SERVER_PID" 2>/dev/null; }

# Stops the server with SIGTERM; our driver must exit 0.
stop_server() {
	local rc=0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" || rc=$?
	SERVER_PID=
	if [ "$TFTP_SERVER" = ours ] && [ $rc -ne 0 ]; then
		cat "$TMP/server.err" >&2
		die "driver exited $rc on SIGTERM"
	fi
	return 0
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Events of one kind whose "file" is exactly NAME (JSON lines, one per event).
events_for() {
	local ev=$1 name=$2
	grep -aF "\"event\":\"$ev\"" "$EVENTS" | grep -aF "\"file\":\"$name\"" || true
}

# Value of a string or number field in one JSON line ("bytes":"123" or "bytes":123).
json_field() {
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2" | head -n1
}

events_enabled() { [ "$TFTP_SERVER" = ours ]; }

# Every line of the events file is a JSON object in strict UTF-8 (names come
# from the network: a raw byte >= 0x80 must reach the file escaped).
events_are_json() {
	python3 - "$EVENTS" <<'PY'
import json, sys
bad = 0
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        if not isinstance(json.loads(line.decode("utf-8")), dict):
            raise ValueError("not an object")
    except ValueError as e:
        bad += 1
        print(f"events line {n}: {e}: {line[:160]!r}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
