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
# The gpio power backend against the other libgpiod API: Debian 12 has 1.6
# (the trees above); 2.x comes from bookworm-backports into a private
# prefix, beside the system's. Only its test and what ctest needs are built.
if [ "$(pkg-config --modversion libgpiod | cut -d. -f1)" -lt 2 ]; then
  echo "== libgpiod 2.x API (gpio power backend)"
  ./scripts/gpiod2-prefix.sh "$here/build-gpiod2/libgpiod2"
  cmake -S . -B build-gpiod2 -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPITEST_GPIOD_PREFIX="$here/build-gpiod2/libgpiod2" >/dev/null
  ninja -C build-gpiod2 test_power_gpiod pitest_resources
  (cd build-gpiod2 && ctest --output-on-failure -R power_gpiod)
fi
