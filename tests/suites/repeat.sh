#!/usr/bin/env bash
# --repeat N runs the suite N times: a testcase per run (name#k) in the
# JUnit report, then the pass ratio of every case on every board and the
# p50/p95 of every phase; the exit status still says whether anything failed.
. "$(dirname "$0")/common.sh"
cat > "$tmp/rep.yaml" <<'YAML'
suite: rep
cases:
  - name: gets-its-address
    steps:
      - power: on
      - expect: { event: dhcp.discover, within: 20s, phase: discover }
      - expect: { event: dhcp.ack, match: { ip: "{board.ip}" }, within: 10s, phase: address }
  - name: wants-another-address
    steps:
      - power: on
      - expect: { event: dhcp.ack, match: { ip: "192.168.1.42" }, within: 8s }
YAML
set +e
"$PITEST_BIN" --suite "$tmp/rep.yaml" --board pi4b-1 --repeat 3 --junit "$tmp/out.xml" -q > "$tmp/stdout" 2>&1
rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 1 ] || fail "exit $rc, want 1 (a case failed)"
[ "$(xmllint --xpath 'count(//testcase)' "$tmp/out.xml")" -eq 6 ] || fail "want 6 testcases"
for k in 1 2 3; do
  [ "$(xmllint --xpath "count(//testcase[@name='gets-its-address#$k'][not(failure)])" "$tmp/out.xml")" -eq 1 ] \
    || fail "gets-its-address#$k missing or failed"
  [ "$(xmllint --xpath "count(//testcase[@name='wants-another-address#$k'][failure])" "$tmp/out.xml")" -eq 1 ] \
    || fail "wants-another-address#$k missing or passed"
done
grep -Eq '^  gets-its-address +pi4b-1 +3/3 100\.0%$' "$tmp/stdout" || fail "no 3/3 line"
grep -Eq '^  wants-another-address +pi4b-1 +0/3 +0\.0%$' "$tmp/stdout" || fail "no 0/3 line"
grep -Eq '^  discover +p50 +[0-9.]+ +p95 +[0-9.]+ +\(3 runs\)$' "$tmp/stdout" || fail "no discover percentiles"
grep -Eq '^  address +p50 +[0-9.]+ +p95 +[0-9.]+ +\(3 runs\)$' "$tmp/stdout" || fail "no address percentiles"
[ "$(grep -c '^== run [123] of 3$' "$tmp/stdout")" -eq 3 ] || fail "want 3 run headers"
assert_nothing_left
echo "repeat: 3 runs summarised"
