#!/usr/bin/env bash
# A broken suite is a usage error (exit 2) with file, line and what was expected.
. "$(dirname "$0")/common.sh"
cat > "$tmp/bad.yaml" <<'YAML'
suite: broken
cases:
  - name: one
    steps:
      - power: on
      - expect: { event: dhcp.offer, within: soon }
YAML
set +e
"$PITEST_BIN" --suite "$tmp/bad.yaml" > "$tmp/out" 2> "$tmp/err"
rc=$?
set -e
cat "$tmp/err"
[ $rc -eq 2 ] || fail "exit $rc, want 2"
grep -q "bad.yaml:6" "$tmp/err" || fail "message does not name bad.yaml:6"
[ "$(wc -l < "$tmp/err")" -le 3 ] || fail "more than one short message"

set +e
"$PITEST_BIN" --suite no-such-suite > "$tmp/out" 2> "$tmp/err"; rc=$?
"$PITEST_BIN" --bogus > "$tmp/out" 2> "$tmp/err2"; rc2=$?
set -e
[ $rc -eq 2 ] && grep -q "no suite named 'no-such-suite'" "$tmp/err" || fail "unknown suite: exit $rc"
[ $rc2 -eq 2 ] || fail "unknown option: exit $rc2"
echo "bad config reported as usage errors"
