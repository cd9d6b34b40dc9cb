#!/usr/bin/env bash
# Ctrl-C in the middle of a run: exit 130, what finished is in the report,
# the report is whole, and no board process or link is left behind.
. "$(dirname "$0")/common.sh"
"$PITEST_BIN" --suite dhcp-phase --junit "$tmp/out.xml" --events "$tmp/ev.jsonl" -q > "$tmp/stdout" 2>&1 &
pid=$!
# Wait until the first case has finished on some board, then interrupt.
for _ in $(seq 1 600); do
  grep -qE '^(PASS|FAIL) ' "$tmp/stdout" && break
  sleep 0.1
done
pgrep -f "pitest vpi" >/dev/null || fail "no board was running when we interrupted"
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
