#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/, clang-14, ASan + UBSan) in
# build-fuzz/ and runs them. Seeds are cut from ../shared into
# build-fuzz/seeds/ (tests/fuzz/make_seeds.py); the saved regressions
# (tests/fuzz/regressions/<harness>/) are always part of the input.
#
#   scripts/fuzz.sh --runs N [HARNESS...]   each harness for N inputs, from an
#                                           empty working corpus, -seed=1: the
#                                           same work every time (CI)
#   scripts/fuzz.sh --time S [HARNESS...]   each harness for S seconds, into
#                                           build-fuzz/corpus/<harness>/
#                                           (kept between runs)
#   scripts/fuzz.sh --build-only
#   --runs-of HARNESS=N   N inputs for that harness instead (a slow one)
#   --jobs J   harnesses run J at a time (default 1)
#
# A crash stops that harness, leaves the input in
# build-fuzz/artifacts/<harness>/ and makes the script exit 1. Harness names:
# tests/fuzz/harnesses.cmake, without the fuzz_ prefix.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="" time="" jobs=1 build_only=0 harnesses=()
declare -A runs_of=()
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --time) time=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --runs-of) runs_of[${2%%=*}]=${2#*=}; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -*) echo "usage: scripts/fuzz.sh --runs N|--time S|--build-only [--jobs J] [HARNESS...]" >&2; exit 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
if ((!build_only)) && [[ -z $runs && -z $time ]]; then
  echo "scripts/fuzz.sh: give --runs N, --time S or --build-only" >&2
  exit 2
fi

scripts/deps.sh
out=build-fuzz
cmake -S tests/fuzz -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
cmake --build "$out" -j "$(nproc)" --target fuzz_all
((build_only)) && exit 0

if ((${#harnesses[@]} == 0)); then
  mapfile -t harnesses < <(sed -n 's/^evictlab_fuzz_harness(\([a-z_]*\) .*/\1/p' \
    tests/fuzz/harnesses.cmake)
fi
/usr/bin/python3 tests/fuzz/make_seeds.py ../shared "$out/seeds"

run_one() {
  local h=$1 corpus
  if [[ -n $runs ]]; then
    corpus=$(mktemp -d "$out/corpus-ci.XXXXXX")
    limit=(-runs="${runs_of[$h]:-$runs}")
  else
    corpus=$out/corpus/$h
    mkdir -p "$corpus"
    limit=(-max_total_time="$time")
  fi
  mkdir -p "$out/artifacts/$h" "$out/logs"
  local start=$SECONDS rc=0
  # -rss_limit_mb: the harnesses build small caches; 2 GiB flags a leak or
  # an allocation the input made absurdly large. -timeout: one input, 10 s.
  "$out/fuzz_$h" -seed=1 "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$h/" \
    "$corpus" "$out/seeds/$h" "tests/fuzz/regressions/$h" \
    >"$out/logs/$h.log" 2>&1 || rc=$?
  [[ -n $runs ]] && rm -rf "$corpus"
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/logs/$h.log")
  if ((rc != 0)); then
    echo "fuzz $h: FAILED (exit $rc) after $((SECONDS - start)) s; $out/logs/$h.log, input in $out/artifacts/$h/"
    grep -m 5 -E "ERROR|fuzz check failed|runtime error" "$out/logs/$h.log" || true
    return 1
  fi
  echo "fuzz $h: ${execs:-?} inputs in $((SECONDS - start)) s, no finding"
}

status=0
running=0
for h in "${harnesses[@]}"; do
  if [[ ! -x $out/fuzz_$h ]]; then
    echo "scripts/fuzz.sh: no harness '$h'" >&2
    exit 2
  fi
  run_one "$h" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
