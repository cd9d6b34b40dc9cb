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
  - name: hints-where-to-look
    models: [pi4b]
    steps:
      - power: on
      - expect: { event: dhcp.discover, within: 20s, phase: power-on }
      - expect: { event: tftp.rrq, match: { file: "no-such-file" }, within: 5s, hint: "no such request: check the hint" }
YAML
set +e
"$PITEST_BIN" --suite "$tmp/wrong.yaml" --junit "$tmp/out.xml" -q > "$tmp/stdout" 2>&1
rc=$?
set -e
cat "$tmp/stdout"
[ $rc -eq 1 ] || fail "exit $rc, want 1"
[ "$(xmllint --xpath 'count(//testcase[failure])' "$tmp/out.xml")" -eq 3 ] || fail "want 3 failed testcases"
msg=$(xmllint --xpath 'string(//testcase[@name="expects-the-wrong-address"]/failure/@message)' "$tmp/out.xml")
grep -q 'step 2 (line 7): expected dhcp.offer ip="192.168.1.42"' <<<"$msg" || fail "message: $msg"
text=$(xmllint --xpath 'string(//testcase[@name="expects-the-wrong-address"]/failure)' "$tmp/out.xml")
grep -q 'seen instead' <<<"$text" && grep -q 'dhcp.offer' <<<"$text" || fail "failure text lacks what was seen: $text"
msg=$(xmllint --xpath 'string(//testcase[@name="forbids-what-happens"]/failure/@message)' "$tmp/out.xml")
grep -q 'expected no dhcp.discover within 20s, but saw' <<<"$msg" || fail "message: $msg"
out=$(xmllint --xpath 'string(//testcase[@name="forbids-what-happens"]/system-out)' "$tmp/out.xml")
grep -q 'power.on' <<<"$out" && grep -q 'console.line' <<<"$out" || fail "system-out lacks the timeline and console"
# A step's hint leads its failure message; a phase ended before the failure
# is still a property of the testcase.
msg=$(xmllint --xpath 'string(//testcase[@name="hints-where-to-look"]/failure/@message)' "$tmp/out.xml")
grep -q '^no such request: check the hint -- step 3 (line 18): expected tftp.rrq' <<<"$msg" || fail "message: $msg"
v=$(xmllint --xpath 'string(//testcase[@name="hints-where-to-look"]/properties/property[@name="phase.power-on"]/@value)' "$tmp/out.xml")
[[ "$v" =~ ^[0-9]+\.[0-9]{3}$ ]] || fail "no phase.power-on property (got '$v')"
assert_nothing_left
echo "failing cases reported as failures"
