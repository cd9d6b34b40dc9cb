#!/usr/bin/env bash
# Two runs never drive the same real board: while another process holds a
# board's lock, a run on that lab stops at once and says who holds it; when
# the holder is gone the board is free again (the kernel drops the lock).
set -euo pipefail
: "${PITEST_BIN:?run from ctest}" "${PITEST_SOURCE_DIR:?run from ctest}"
tmp=$(mktemp -d)
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v flock >/dev/null || { echo "skipped: flock (util-linux) missing"; exit 77; }
export PITEST_LOCK_DIR="$tmp/locks"
mkdir -p "$PITEST_LOCK_DIR"
lab="$PITEST_SOURCE_DIR/fixtures/labs/seed.yaml"
name=$(sed -n 's/^lab: *//p' "$lab")
board=$(grep -m1 -oE 'name: *[A-Za-z0-9._-]+' "$lab" | sed 's/name: *//')
lock="$PITEST_LOCK_DIR/$name.$board.lock"
echo 4242 > "$lock"
# One process holds it: the subshell takes the lock on fd 9, then becomes sleep.
( exec 9>>"$lock"; flock -n 9; exec sleep 60 ) &
holder=$!
sleep 0.3
set +e
timeout 20 "$PITEST_BIN" --lab "$lab" --suite dhcp-phase -q > "$tmp/out" 2> "$tmp/err"
rc=$?
set -e
cat "$tmp/err"
[ $rc -eq 1 ] || fail "exit $rc, want 1"
grep -q "board $board of lab $name is in use by another pitest run (pid 4242; lock $lock)" "$tmp/err" \
  || fail "no clear message"
kill "$holder"; wait "$holder" 2>/dev/null || true; holder=
# Free again: the lock is taken (the run then goes on to its lab, which this
# machine does not have; only the lock message matters here).
set +e
timeout 5 "$PITEST_BIN" --lab "$lab" --suite dhcp-phase --case no-such-case -q > "$tmp/out" 2> "$tmp/err"
set -e
if grep -q "in use by another pitest run" "$tmp/err"; then fail "lock still held: $(cat "$tmp/err")"; fi
grep -q "no case named 'no-such-case'" "$tmp/err" || fail "did not get past the lock: $(cat "$tmp/err")"
echo "board locks: refused while held, free after"
