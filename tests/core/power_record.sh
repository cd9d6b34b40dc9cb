#!/bin/sh
# power_record.sh - a stand-in relay program for test_power_cmd: appends its
# arguments, one '|'-separated line, to $POWER_RECORD_LOG, then acts on its
# first argument: "fail" exits 3 with a message, "hang" never ends (and
# leaves its child's pid in $POWER_RECORD_LOG.pid), anything else exits 0.
printf '%s|' "$@" >>"$POWER_RECORD_LOG"
printf '\n' >>"$POWER_RECORD_LOG"
case "$1" in
fail)
	echo "usbrelay: relay BITFT_2 not found" >&2
	exit 3
	;;
hang)
	sleep 30 &
	echo $! >"$POWER_RECORD_LOG.pid"
	wait
	;;
esac
exit 0
