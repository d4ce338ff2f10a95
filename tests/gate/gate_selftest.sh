#!/usr/bin/env bash
# Proves the gate can fail: builds evictlab_bench with a deliberate slowdown
# in LRUEvictor::update_on_get (EVICTLAB_GATE_SELFTEST_SLOWDOWN: one extra
# loop iteration: about 12 instructions, +4% on this string-key case) and asserts that
# scripts/gate exits non-zero and names the slowed case, while a case the
# slowdown does not touch still passes.
#   tests/gate/gate_selftest.sh [BUILD_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build-gate-selftest}
# The `gate-selftest` preset of CMakePresets.json (its binary directory moved
# to $build when one is given, as ctest does).
(cd "$repo" && cmake --preset gate-selftest -B "$build" >/dev/null)
cmake --build "$build" --target evictlab_bench >/dev/null

slowed='BM_UpdateOnGet/lru/dict:flat/kvobj/str/entries:1024/dist:uniform'
untouched='BM_UpdateOnPut/lru_strict/dict:flat/kvobj/str/entries:1024/evictions:0'
set +e
out=$("$repo/scripts/gate" --no-build --build-dir "$build" \
      --filter "^$slowed\$|^$untouched\$" 2>&1)
rc=$?
set -e
echo "$out"
if [[ $rc -ne 1 ]]; then
  echo "gate_selftest: FAIL: expected exit 1 from the slowed build, got $rc" >&2
  exit 1
fi
if ! grep -E "^$slowed .*REGRESSION" <<<"$out" >/dev/null; then
  echo "gate_selftest: FAIL: the gate did not name $slowed as a regression" >&2
  exit 1
fi
if ! grep -E "^$untouched .* ok\$" <<<"$out" >/dev/null; then
  echo "gate_selftest: FAIL: $untouched should be unchanged" >&2
  exit 1
fi
change=$(grep -E "^$slowed " <<<"$out" | grep -oE '[+-][0-9.]+%' | head -n 1)
echo "gate_selftest: PASS: the gate caught a ${change} rise in update_on_get"
