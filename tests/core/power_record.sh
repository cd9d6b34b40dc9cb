#!/bin/sh
# power_record.sh - a stand-in relay program for test_power_cmd: appends its
# arguments, one '|'-separated line, to $POWER_RECORD_LOG, then acts on its
# first argument: "fail" exits 3 with a message, "hang" never ends (and
# leaves its child's pid in $POWER_RECORD_LOG.pid), "set-on"/"set-off" keep
# the relay's state in $POWER_RECORD_LOG.state, "status" exits 0 when that
# state is on and 1 when off (a relay that reads back), anything else
# exits 0.
printf '%s|' "$@" >>"$POWER_RECORD_LOG"
printf '\n' >>"$POWER_RECORD_LOG"
case "$1" in
fail)
	echo "usbrelay: relay BITFT_2 not found" >&2
	exit 3
	;;
set-on | set-off)
	echo "${1#set-}" >"$POWER_RECORD_LOG.state"
	;;
status)
	[ "$(cat "$POWER_RECORD_LOG.state" 2>/dev/null)" = on ] && exit 0
	exit 1
	;;
hang)
	sleep 30 &
	echo $! >"$POWER_RECORD_LOG.pid"
	wait
	;;
esac
exit 0
