#!/usr/bin/env bash
# soak.sh [PITEST] - a long run of boot cycles on the virtual lab, watching
# pitest's own memory and open files.
#
# Runs tests/soak/soak.yaml (whole boots with faults they recover from) on
# every board of fixtures/labs/virtual.yaml with --repeat, until at least
# CYCLES boot cycles (one case on one board) have run, and samples pitest's
# VmRSS and its open fds about once a second, each sample tagged with the
# number of cycles finished so far (PASS/FAIL lines of its output). Then it
# prints a table per tenth of the run and fails when
#   - a cycle failed or pitest did not exit 0 (every case here must boot),
#   - the JUnit report is not schema-valid or lacks a testcase per cycle,
#   - the highest RSS of the last tenth (cycles 900-1000 of 1000) is more
#     than RSS_TOLERANCE_KIB above that of the second tenth (100-200): the
#     first tenth is warm-up (allocator arenas, caches, the first NFS
#     roots), and the tolerance (default 1024 KiB) absorbs allocator noise
#     and the ~240 bytes per cycle that the end-of-run summary and report
#     keep (verdict, phases), nothing that grows with a board's output,
#   - the open fds of the last tenth go above those of the second by more
#     than FD_TOLERANCE (default 8), lowest and median sample each: the
#     count within a case moves with what is under way (a few sockets and
#     pipes per board; the highest sample of a tenth is whichever second
#     caught most boards mid-transfer, 84-96 in one run without a leak, so
#     it is printed, not compared), while an fd leaked per case or per
#     board lifts the whole tenth, by hundreds by the end.
#
# PITEST: the pitest binary; default $PITEST_BIN (set under ctest), else
# ./pitest builds the project as the README says and its build/pitest runs.
# CYCLES (default 1000, ~16 min), RSS_TOLERANCE_KIB and FD_TOLERANCE set the run; a quick
# look: CYCLES=100 bash tests/soak/soak.sh. SOAK_KEEP=DIR keeps the samples,
# output and JUnit report there.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/../.." && pwd)
cycles=${CYCLES:-1000}
tolerance_kib=${RSS_TOLERANCE_KIB:-1024}
fd_tolerance=${FD_TOLERANCE:-8}
lab="$root/fixtures/labs/virtual.yaml"
suite="$here/soak.yaml"
fail() { echo "soak: FAIL: $*" >&2; exit 1; }

[[ $cycles =~ ^[0-9]+$ ]] && [ "$cycles" -ge 20 ] || fail "CYCLES must be a number, at least 20 (got '$cycles')"
[[ $tolerance_kib =~ ^[0-9]+$ ]] || fail "RSS_TOLERANCE_KIB must be a number of KiB (got '$tolerance_kib')"
[[ $fd_tolerance =~ ^[0-9]+$ ]] || fail "FD_TOLERANCE must be a number of fds (got '$fd_tolerance')"
if [ "$(id -u)" -ne 0 ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
  echo "soak: skipped: the virtual lab needs root or unprivileged user namespaces"; exit 77
fi
command -v xmllint >/dev/null || fail "xmllint is missing (scripts/install-deps.sh installs it)"

bin=${1:-${PITEST_BIN:-}}
if [ -z "$bin" ]; then
  "$root/pitest" --help >/dev/null || fail "./pitest could not build pitest"
  bin="${PITEST_BUILD_DIR:-$root/build}/pitest"
fi
[ -x "$bin" ] || fail "$bin is not an executable pitest"

tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "${SOAK_KEEP:-}" ]; then mkdir -p "$SOAK_KEEP" && cp -r "$tmp"/. "$SOAK_KEEP"/ || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Board processes and the generated boot trees live under TMPDIR.
mkdir -m 777 "$tmp/t"
export TMPDIR="$tmp/t"

boards=$("$bin" resources --lab "$lab" | grep -c '"id"')
cases=$(grep -c '^  - name:' "$suite")
per_run=$((boards * cases))
[ "$per_run" -gt 0 ] || fail "no boards in $lab or no cases in $suite"
repeat=$(((cycles + per_run - 1) / per_run))
total=$((repeat * per_run))
echo "soak: $total boot cycles ($cases cases x $boards boards x $repeat runs) with $bin"

started=$(date +%s)
# A run far slower than ~1 s per cycle is stuck, not soaking.
limit_s=$((total * 4 + 300))
"$bin" --suite "$suite" --lab "$lab" --repeat "$repeat" -q --junit "$tmp/soak.xml" \
  > "$tmp/stdout" 2> "$tmp/stderr" &
pid=$!
# "seconds cycles rss_kib fds", one line a second while pitest runs.
: > "$tmp/samples"
while kill -0 "$pid" 2>/dev/null; do
  now=$(($(date +%s) - started))
  if [ "$now" -gt "$limit_s" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    fail "still running after ${now}s (limit ${limit_s}s); last output: $(tail -n 2 "$tmp/stdout")"
  fi
  done_cycles=$(grep -cE '^(PASS|FAIL|STOP) ' "$tmp/stdout" || true)
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l || true)
  [ -n "$rss" ] && echo "$now $done_cycles $rss $fds" >> "$tmp/samples"
  sleep 1
done
set +e
wait "$pid"
rc=$?
set -e
pid=
elapsed=$(($(date +%s) - started))
passed=$(grep -c '^PASS ' "$tmp/stdout" || true)
failed=$(grep -cE '^(FAIL|STOP) ' "$tmp/stdout" || true)
echo "soak: pitest exited $rc after ${elapsed}s: $passed cycles passed, $failed failed"

# The table: per tenth of the cycles, the samples' RSS and fd range.
awk -v total="$total" '
  BEGIN { step = total / 10; printf "%-13s %7s %9s %9s %5s %5s\n", "cycles", "samples", "rss min", "rss max", "fds", "" }
  $2 < total { b = int($2 / step); n[b]++
    if (!(b in rmin) || $3 < rmin[b]) rmin[b] = $3; if ($3 > rmax[b]) rmax[b] = $3
    if (!(b in fmin) || $4 < fmin[b]) fmin[b] = $4; if ($4 > fmax[b]) fmax[b] = $4 }
  $2 >= total { e++; if ($3 > emax) emax = $3 }
  END {
    for (b = 0; b < 10; b++)
      if (n[b]) printf "%5d-%-7d %7d %6.1f MiB %6.1f MiB %2d-%-3d\n", b * step, (b + 1) * step, n[b], rmin[b] / 1024, rmax[b] / 1024, fmin[b], fmax[b]
      else printf "%5d-%-7d %7d\n", b * step, (b + 1) * step, 0
    if (e) printf "%-13s %7d %9s %6.1f MiB (summary and JUnit report)\n", "after", e, "", emax / 1024
  }' "$tmp/samples"

[ "$rc" -eq 0 ] || { tail -n 20 "$tmp/stdout"; tail -n 20 "$tmp/stderr" >&2; fail "pitest exited $rc"; }
[ "$failed" -eq 0 ] || fail "$failed boot cycles failed; every case of $suite should boot"
[ "$passed" -eq "$total" ] || fail "$passed cycles passed, want $total"
xmllint --noout --schema "$root/tests/config/junit.xsd" "$tmp/soak.xml" 2>&1 | grep -v ' validates$' || true
xmllint --noout --schema "$root/tests/config/junit.xsd" "$tmp/soak.xml" 2>/dev/null || fail "the JUnit report is not valid"
n=$(xmllint --xpath 'count(//testcase)' "$tmp/soak.xml")
[ "$n" -eq "$total" ] || fail "the JUnit report has $n testcases, want $total"
empty=$(xmllint --xpath 'count(//testcase[not(system-out)])' "$tmp/soak.xml")
[ "$empty" -eq 0 ] || fail "$empty testcases of the JUnit report have no system-out"

# Second tenth against the last one (cycles 100-200 and 900-1000 of 1000).
# Per window: samples, highest RSS, then the fds' lowest, median and highest.
window() {
  awk -v a="$1" -v b="$2" '$2 >= a && $2 < b { print $4, $3 }' "$tmp/samples" | sort -n |
    awk '{ f[NR] = $1; if ($2 > r) r = $2 } END { if (NR) print NR, r, f[1], f[int((NR + 1) / 2)], f[NR]; else print 0, 0, 0, 0, 0 }'
}
read -r early_n early_rss early_fmin early_fmed early_fmax < <(window $((total / 10)) $((total / 5)))
read -r late_n late_rss late_fmin late_fmed late_fmax < <(window $((total * 9 / 10)) "$total")
[ "$early_n" -gt 0 ] && [ "$late_n" -gt 0 ] || fail "no samples in cycles $((total / 10))-$((total / 5)) or $((total * 9 / 10))-$total"
growth=$((late_rss - early_rss))
echo "soak: RSS $early_rss KiB at cycles $((total / 10))-$((total / 5)), $late_rss KiB at $((total * 9 / 10))-$total:" \
  "$growth KiB more (tolerance $tolerance_kib KiB); fds lowest/median/highest $early_fmin/$early_fmed/$early_fmax," \
  "then $late_fmin/$late_fmed/$late_fmax"
[ "$growth" -le "$tolerance_kib" ] || fail "RSS grew by $growth KiB over the run, more than $tolerance_kib KiB"
[ "$late_fmed" -le $((early_fmed + fd_tolerance)) ] && [ "$late_fmin" -le $((early_fmin + fd_tolerance)) ] \
  || fail "open fds grew: lowest/median $early_fmin/$early_fmed at cycles $((total / 10))-$((total / 5)), $late_fmin/$late_fmed at the end (tolerance $fd_tolerance)"
echo "soak: $total cycles, RSS and fds flat"
