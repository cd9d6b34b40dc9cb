# Shared by the suite-level tests: temp dir, cleanup, skip rules.
set -euo pipefail
: "${PITEST_BIN:?run from ctest}" "${PITEST_SOURCE_DIR:?run from ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Everything a test starts inherits this, which is how its own board
# processes are told from other tests' (our_boards below).
mkdir -m 777 "$tmp/t"
export TMPDIR="$tmp/t"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The virtual lab needs root or unprivileged user namespaces.
if [ "$(id -u)" -ne 0 ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
  echo "skipped: needs root or unprivileged user namespaces"; exit 77
fi

# Nothing of a run may outlive it: no board process, and none of the lab's
# links (its bridge, its veths) in the host's namespace. Other tests may add
# links of their own meanwhile, so only the lab's names are checked.
lab_links() { ip -o link show | awk -F': ' '{print $2}' | grep -E '^(pitest[0-9]*|vb[0-9]+)(@|$)' || true; }
[ -z "$(lab_links)" ] || { echo "skipped: host already has lab-named links: $(lab_links)"; exit 77; }
# Board processes of this test's runs: they inherit TMPDIR=$tmp/t (other
# tests and benchmarks may run boards of their own meanwhile).
our_boards() {
  local pid
  for pid in $(pgrep -f "pitest vpi" || true); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "TMPDIR=$tmp/t" && echo "$pid"
  done
  return 0
}
assert_nothing_left() {
  sleep 0.3
  local left
  left=$(our_boards)
  if [ -n "$left" ]; then ps -o pid,args -p "$(echo $left | tr ' ' ,)" >&2; fail "board processes left behind"; fi
  [ -z "$(lab_links)" ] || fail "lab links left in the host namespace: $(lab_links)"
}

# Runs suite $1 on the virtual lab (generated trees under $tmp/t) into
# $tmp/{out.xml,events.jsonl,stdout,stderr}; fails unless pitest passed, the
# JUnit report is schema-valid with no failures and as many testcases as
# PASS lines, and at least $2 testcases ran. Sets n to the testcase count.
run_suite_on_virtual_lab() {
  local suite=$1 min=$2 rc f passed
  set +e
  "$PITEST_BIN" --suite "$suite" --lab "$PITEST_SOURCE_DIR/fixtures/labs/virtual.yaml" \
    --junit "$tmp/out.xml" --events "$tmp/events.jsonl" -q > "$tmp/stdout" 2> "$tmp/stderr"
  rc=$?
  set -e
  cat "$tmp/stdout"
  [ $rc -eq 0 ] || { cat "$tmp/stderr" >&2; fail "pitest exited $rc"; }
  xmllint --noout --schema "$PITEST_SOURCE_DIR/tests/config/junit.xsd" "$tmp/out.xml"
  n=$(xmllint --xpath 'count(//testcase)' "$tmp/out.xml")
  f=$(xmllint --xpath 'count(//testcase[failure])' "$tmp/out.xml")
  passed=$(grep -c '^PASS ' "$tmp/stdout" || true)
  [ "$f" -eq 0 ] || fail "$f failures in the report"
  [ "$n" -eq "$passed" ] || fail "JUnit has $n testcases, the run printed $passed"
  [ "$n" -ge "$min" ] || fail "only $n testcases, want at least $min"
}

# Fails unless every event type named is in the events file.
assert_events() {
  local e
  for e in "$@"; do
    grep -q "\"event\":\"$e\"" "$tmp/events.jsonl" || fail "no $e event in the events file"
  done
}
