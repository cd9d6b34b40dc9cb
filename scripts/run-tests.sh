#!/usr/bin/env bash
# Runs every test: installs what is missing, builds a normal and an
# ASan+UBSan tree, and runs ctest in both (unit, memcheck, fuzz-replay,
# netns peers, the virtual-lab suites). Exits non-zero if anything fails.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$here"
./scripts/install-deps.sh

jobs=$(nproc)
run_tree() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  ninja -C "$dir"
  local rc=0
  # The virtual-lab suites run time-scaled boards whose deadlines are board
  # time: they get the machine to themselves, after everything else. The
  # soak test (label soak, ~20 min) runs only when asked: ctest -L soak.
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600 -LE 'vlab|soak') || rc=1
  (cd "$dir" && ctest --output-on-failure --timeout 900 -L vlab -LE soak) || rc=1
  return $rc
}

echo "== build and test (RelWithDebInfo)"
run_tree build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== build and test (ASan+UBSan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_tree build-asan -DCMAKE_BUILD_TYPE=Debug -DPITEST_SANITIZE=ON
