#!/usr/bin/env bash
# Builds and runs every test: the normal build (build/, which also holds the
# `evictlab` tool and the benchmarks) and an AddressSanitizer +
# UndefinedBehaviorSanitizer build (build-asan/). Exits non-zero on any
# failure. Installs missing Debian packages first.
#
#   scripts/test.sh            both builds
#   scripts/test.sh --no-asan  the normal build only (quicker, local loops)
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    *) echo "usage: scripts/test.sh [--no-asan]" >&2; exit 2 ;;
  esac
done

scripts/deps.sh
jobs=$(nproc)

echo "== normal build (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

if ((asan)); then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/)"
  # Benchmarks are left out: under ASan they would measure the sanitizer.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DEVICTLAB_SANITIZE=ON -DEVICTLAB_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build build-asan -j "$jobs"
  # libtorch is not instrumented: container-overflow annotations would be
  # half-present across the boundary, so that one check is off.
  export ASAN_OPTIONS=detect_container_overflow=0:detect_leaks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure -j "$jobs" -E '^(python|dashboard|gate|profile)\.')
fi
echo "scripts/test.sh: all tests passed"
