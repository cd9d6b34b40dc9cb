#!/usr/bin/env bash
# Ctrl-C in the middle of a run: exit 130, what finished is in the report,
# the report is whole, and no board process or link is left behind.
. "$(dirname "$0")/common.sh"
"$PITEST_BIN" --suite dhcp-phase --junit "$tmp/out.xml" --events "$tmp/ev.jsonl" -q > "$tmp/stdout" 2>&1 &
pid=$!
# Wait until the first case has finished on some board and a board of ours
# is running (between two cases there may be none for a moment), then
# interrupt.
ready=
for _ in $(seq 1 600); do
  if grep -qE '^(PASS|FAIL) ' "$tmp/stdout" && [ -n "$(our_boards)" ]; then ready=1; break; fi
  sleep 0.1
done
[ -n "$ready" ] || { kill -INT $pid; wait $pid || true; fail "no board was running after the first result"; }
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 130 ] || fail "exit $rc, want 130"
xmllint --noout "$tmp/out.xml" || fail "report is not well-formed"
n=$(xmllint --xpath 'count(//testcase)' "$tmp/out.xml")
[ "$n" -ge 1 ] || fail "report has no testcase"
[ ! -e "$tmp/out.xml.tmp" ] || fail "half-written report left behind"
assert_nothing_left
echo "interrupted run reported $n testcases and cleaned up"
