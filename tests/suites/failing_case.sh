#!/usr/bin/env bash
# A case that cannot hold must fail: exit 1, and the JUnit failure names the
# step, its line, what was expected and what the board did instead.
. "$(dirname "$0")/common.sh"
cat > "$tmp/wrong.yaml" <<'YAML'
suite: wrong
cases:
  - name: expects-the-wrong-address
    models: [pi4b]
    steps:
      - power: on
      - expect: { event: dhcp.offer, match: { ip: "192.168.1.42" }, within: 8s }
  - name: forbids-what-happens
    models: [pi4b]
    steps:
      - power: on
      - absent: { event: dhcp.discover, within: 20s }
YAML
set +e
"$PITEST_BIN" --suite "$tmp/wrong.yaml" --junit "$tmp/out.xml" -q > "$tmp/stdout" 2>&1
rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 1 ] || fail "exit $rc, want 1"
[ "$(xmllint --xpath 'count(//testcase[failure])' "$tmp/out.xml")" -eq 2 ] || fail "want 2 failed testcases"
msg=$(xmllint --xpath 'string(//testcase[@name="expects-the-wrong-address"]/failure/@message)' "$tmp/out.xml")
grep -q 'step 2 (line 7): expected dhcp.offer ip="192.168.1.42"' <<<"$msg" || fail "message: $msg"
text=$(xmllint --xpath 'string(//testcase[@name="expects-the-wrong-address"]/failure)' "$tmp/out.xml")
grep -q 'seen instead' <<<"$text" && grep -q 'dhcp.offer' <<<"$text" || fail "failure text lacks what was seen: $text"
msg=$(xmllint --xpath 'string(//testcase[@name="forbids-what-happens"]/failure/@message)' "$tmp/out.xml")
grep -q 'expected no dhcp.discover within 20s, but saw' <<<"$msg" || fail "message: $msg"
out=$(xmllint --xpath 'string(//testcase[@name="forbids-what-happens"]/system-out)' "$tmp/out.xml")
grep -q 'power.on' <<<"$out" && grep -q 'console.line' <<<"$out" || fail "system-out lacks the timeline and console"
assert_nothing_left
echo "failing cases reported as failures"
