#!/usr/bin/env bash
# Builds and runs every test: the normal build (build/, which also holds the
# `evictlab` tool and the benchmarks) and an AddressSanitizer +
# UndefinedBehaviorSanitizer build (build-asan/), and a ThreadSanitizer build
# of the concurrency tests only (build-tsan/). Exits non-zero on any
# failure. Installs missing Debian packages first.
#
#   scripts/test.sh            both builds
#   scripts/test.sh --no-asan  the normal build only (quicker, local loops)
#   scripts/test.sh --no-tsan  without the ThreadSanitizer build (build-tsan/)
#                              (--no-asan skips it too)
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1
tsan=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0; tsan=0 ;;
    --no-tsan) tsan=0 ;;
    *) echo "usage: scripts/test.sh [--no-asan] [--no-tsan]" >&2; exit 2 ;;
  esac
done

scripts/deps.sh
jobs=$(nproc)
# Each phase's wall time, so that a CI log shows where its minutes go.
phase_start=$SECONDS
phase_done() {
  echo "-- $1: $((SECONDS - phase_start)) s"
  phase_start=$SECONDS
}

# The presets are CMakePresets.json's `release` and `asan`.
echo "== normal build (build/, preset release)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
phase_done "normal build"
ctest --preset release -j "$jobs"
phase_done "normal tests"

if ((asan)); then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/, preset asan)"
  # The preset builds Debug (-O0): at -O1 the ASan tests took 59 s instead
  # of 166 s, but the build 484 s instead of 211 s (CI logs, 2 cores), so
  # -O0 is the cheaper whole. It leaves the benchmarks out (under ASan they
  # would measure the sanitizer), and its test preset skips the python,
  # dashboard, gate and profile tests, which need no sanitizer. It also sets
  # ASAN_OPTIONS with detect_container_overflow=0: libtorch is not
  # instrumented, so container-overflow annotations would be half-present
  # across the boundary.
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  phase_done "ASan build"
  ctest --preset asan -j "$jobs"
  phase_done "ASan tests"
fi

if ((tsan)); then
  echo "== ThreadSanitizer build (build-tsan/, preset tsan): concurrency tests"
  # The preset builds only concurrency_test (linked against the core, no
  # libtorch) and its test preset runs only it: a writer thread and reader
  # threads on the synchronized and sharded caches (docs/CONCURRENCY.md).
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan -j "$jobs"
  ctest --preset tsan -j "$jobs"
  phase_done "TSan build and test"
fi
echo "scripts/test.sh: all tests passed"
