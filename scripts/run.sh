#!/usr/bin/env bash
# The main job: build in Release, run the benchmark suite's quick profile
# (or --full) with repetitions and random interleaving, run the Python model
# of the original on the same cases, and publish one run directory
#   results/runs/<UTC time>_<short sha>/
# with cpp.json, python.json (Google Benchmark JSON), cases.json (the
# binary's case list, docs/CASES.md), context.json, gate.json (instruction
# counts: scripts/gate), sim/ (the policy sweep: every policy on the Mooncake
# and cloudPhysics traces, `evictlab simulate --json`), boundary/ (the Python
# boundary: scripts/pyboundary, every policy four ways on both Mooncake
# traces) and summary.md / summary.csv. Installs missing Debian packages
# first.
#
#   scripts/run.sh [--full] [--no-python] [--no-sweep] [--reps N]
#                  [--min-time SECONDS]
#   scripts/run.sh --print-sweep     (the sweep's commands, nothing run)
#   scripts/run.sh [--full] --print-boundary   (the boundary's command)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=quick
python=1
sweep=1
print_boundary=0
reps=""
min_time=""
while (($#)); do
  case "$1" in
    --full) profile=full ;;
    --no-python) python=0 ;;
    --no-sweep) sweep=0 ;;
    --print-sweep)
      PYTHONPATH=$PWD/scripts exec /usr/bin/python3 -m evictlab_tools.sweep --print ;;
    --print-boundary) print_boundary=1 ;;
    --reps) reps=$2; shift ;;
    --min-time) min_time=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "scripts/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# KV kind x key kind groups at large sizes. The quick profile runs every
# key kind for kvobj (the headline) and one per other kind there, to stay
# within its 8-minute budget; the value type changes only get_size.
# The policy x dict matrix: the full profile runs all of it; the quick one
# runs every policy over the default dict and `lru` over every dict (the
# dict comparison) with kvobj values only, shared-key gets of the uniform
# distribution and puts of evictions 0/1/8 at the small sizes (cross="1"),
# every policy at the large sizes only in the `policy_group` (lru alone in
# the others), and gates kvobj/hstr and GetSize (the full gate runs in CI).
# The full profile's small-size process alone (2,716 cases) took 555 s on
# the loaded 2-core VM, which is why the quick one is cut this way.
if [[ $profile == quick ]]; then
  small="1024,16384"; large=(262144 1048576); py_entries="1024,16384,262144,1048576"
  reps=${reps:-3}; min_time=${min_time:-0.02}; py_budget=240
  large_groups=(kvobj:str kvobj:cek kvobj:hstr kvobj:hcek tensor:hstr
                bytearray:hstr disk:hcek)
  policy_group=kvobj:hcek
  small_kinds=kvobj; op_variants="(dist:uniform(/cache:|\$)|evictions:)"
  cross=1; gate_subset='/kvobj/hstr/|^BM_GetSize/'
  sim_reps=1; sim_min_time=0.05
  # The Python boundary: one replay per way (evictlab_tools/boundary.py).
  boundary_runs=1
  # Issue 14's families, a subset: the fresh-key hit of lru (every key
  # kind and size) and the request of 32 chunks with half hits (every
  # policy, 2^10 and 2^14); the Python side the same requests.
  fresh_policies="lru"; request_variants="chunks:32/hits:0\\.5"
  py_request_variants="--request-variants chunks:32/hits:0.5"
else
  small="1024,4096,16384,65536"; large=(262144 1048576 4194304)
  py_entries="1024,4096,16384,65536,262144,1048576,4194304"
  reps=${reps:-5}; min_time=${min_time:-0.1}; py_budget=1800
  large_groups=()
  for kv in tensor bytearray kvobj disk; do
    for key in str cek hstr hcek; do large_groups+=("$kv:$key"); done
  done
  policy_group=""
  small_kinds="[^/]+"
  op_variants="(dist:(uniform|zipf)(/cache:|\$)|evictions:|status:)"
  cross=0; gate_subset=''
  sim_reps=$reps; sim_min_time=$min_time
  boundary_runs=3
  fresh_policies="[^/]+"; request_variants="chunks:[0-9]+/hits:[0-9.]+"
  py_request_variants=""
fi

if ((print_boundary)); then
  PYTHONPATH=$PWD/scripts exec /usr/bin/python3 -m evictlab_tools.boundary \
    --print --runs "$boundary_runs"
fi

scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target evictlab_bench evictlab_cli
export PYTHONPATH=$PWD/scripts

sha=$(git rev-parse --short=7 HEAD 2>/dev/null || echo nogit)
run_dir="results/runs/$(date -u +%Y%m%dT%H%M%SZ)_${sha}"
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
mkdir -p "$run_dir"
# The binding (`import evictlab`, python/) for the boundary step, built on
# its own so that a failure is that step's, recorded, not the run's.
binding_built=0
if ((python)); then
  if cmake --build --preset release -j "$(nproc)" --target evictlab_python \
      >"$parts/binding.log" 2>&1; then
    binding_built=1
  else
    tail -n 20 "$parts/binding.log" >&2
    echo "scripts/run.sh: the binding (evictlab_python) did not build; the" \
      "boundary step will be recorded as failed" >&2
  fi
fi
echo "== evictlab $profile profile -> $run_dir"

# The case list of every size of the run: the records the tools read
# (docs/CASES.md), and the default dict the filters below use.
all_sizes="$small,$(IFS=,; echo "${large[*]}")"
build/evictlab_bench --evictlab_list_cases --evictlab_entries="$all_sizes" \
  >"$run_dir/cases.json"
default_dict=$(/usr/bin/python3 -m evictlab_tools.cases "$run_dir/cases.json" default_dict)
if ((cross)); then
  cache_cases="([^/]+/dict:$default_dict|lru/dict:[^/]+)"
else
  cache_cases="[^/]+/dict:[^/]+"
fi
# The shared-key gets and the puts (and their cache: cases), without the
# fresh-key gets (`dist:uniform/key:fresh`), which have their own pattern.
ops="$small_kinds/[^/]+/entries:[0-9]+/$op_variants"
fresh="^BM_UpdateOnGet/$fresh_policies/dict:$default_dict/kvobj/[^/]+/entries:[0-9]+/dist:uniform/key:fresh\$"
requests="^BM_Request/[^/]+/dict:$default_dict/kvobj/[^/]+/entries:[0-9]+/$request_variants\$"

bench() {  # bench NAME ENTRIES FILTER [REPS MIN_TIME]
  local name=$1 entries=$2 filter=$3 t0=$SECONDS
  local reps=${4:-$reps} min_time=${5:-$min_time}
  echo -n "-- C++ $name (entries $entries)"
  build/evictlab_bench --evictlab_entries="$entries" \
    --benchmark_filter="$filter" \
    --benchmark_repetitions="$reps" \
    --benchmark_enable_random_interleaving=true \
    --benchmark_min_time="$min_time" \
    --benchmark_out="$parts/$name.json" --benchmark_out_format=json \
    --benchmark_format=console >"$parts/$name.log" 2>&1 || {
      tail -n 20 "$parts/$name.log" >&2
      echo "scripts/run.sh: evictlab_bench failed ($name)" >&2
      exit 1
    }
  if grep -q '"error_occurred": true' "$parts/$name.json"; then
    grep -B2 '"error_message"' "$parts/$name.json" >&2 || true
    echo "scripts/run.sh: a benchmark failed its result check ($name)" >&2
    exit 1
  fi
  echo " $((SECONDS - t0)) s"
}

start=$SECONDS
# Small caches: everything in one interleaved process (the built caches are
# small enough to keep them all and share them across cases). This includes,
# deliberately, the 32 cases of SynchronizedCache and ShardedCache from 1 and
# 2 threads (`cache:...callers:N`, registered up to 2^16 only: ~17 s of wall
# time in the quick profile; docs/CONCURRENCY.md).
# The requests (2^10 and 2^14 only) and the fresh-key hits join it.
bench small "$small" "^BM_UpdateOn(Get|Put)/$cache_cases/$ops|$fresh|$requests|^BM_GetSize/|^BM_MemoryFloor/"
# Large caches: one process per KV kind x key kind, interleaving the
# policy x dict cases over caches built once; the floor on its own.
for n in "${large[@]}"; do
  bench "floor_$n" "$n" "^BM_MemoryFloor/entries:$n(/|\$)"
  for group in "${large_groups[@]}"; do
    kv=${group%%:*} key=${group##*:}
    fresh_n="^BM_UpdateOnGet/$fresh_policies/dict:$default_dict/$kv/$key/entries:$n/dist:uniform/key:fresh\$"
    group_cases=$cache_cases
    if [[ -n $policy_group && $group != "$policy_group" ]]; then
      group_cases="lru/dict:$default_dict"
    fi
    bench "${kv}_${key}_$n" "$n" "^BM_UpdateOn(Get|Put)/$group_cases/$kv/$key/entries:$n/$op_variants|$fresh_n"
  done
done
# Whole-trace replays (BM_Simulate: every simulator policy x shipped and
# generated traces, beside their lookup-only floor): tens of ms per
# iteration, so the quick profile runs them once, briefly.
bench simulate "$small" "^BM_Simulate(Floor)?/" "$sim_reps" "$sim_min_time"
scripts/merge "$run_dir/cpp.json" "$parts"/*.json
echo "   C++ suite: $((SECONDS - start)) s"

if ((python)); then
  start=$SECONDS
  echo "-- Python model of the original (python3-torch)"
  scripts/pybench --entries "$py_entries" $py_request_variants \
    --repetitions "$reps" --max-seconds "$py_budget" --out "$run_dir/python.json"
  echo "   Python model: $((SECONDS - start)) s"
fi

# Instruction counts (callgrind) of this build into the run directory; a
# regression is recorded in gate.json and reported, but does not fail the
# run (CI's scripts/gate does).
start=$SECONDS
echo "-- gate: instruction counts (valgrind --tool=callgrind)"
set +e
scripts/gate --no-build --out "$run_dir" ${gate_subset:+--subset "$gate_subset"} \
  >"$parts/gate.log" 2>&1
gate_rc=$?
set -e
tail -n 1 "$parts/gate.log"
if ((gate_rc == 1)); then
  echo "   gate: regression against results/baseline/gate.json (recorded, not fatal)"
elif ((gate_rc != 0)); then
  tail -n 20 "$parts/gate.log" >&2
  echo "scripts/run.sh: scripts/gate failed (exit $gate_rc); no gate.json" >&2
fi
echo "   gate: $((SECONDS - start)) s"

# The policy sweep (evictlab_tools/sweep.py: every policy on both Mooncake
# traces at 8 sizes and on cloudPhysics at 128 MiB x 1..8), the same in both
# profiles: about a minute here, since miss counts are exact and need no
# repetitions. A failed simulation leaves sim/<trace>.err and is reported,
# not fatal; summary.md and the dashboard's policy page name what is missing.
if ((sweep)); then
  start=$SECONDS
  echo "-- policy sweep: evictlab simulate --policy all -> $run_dir/sim/"
  /usr/bin/python3 -m evictlab_tools.sweep --run-dir "$run_dir" ||
    echo "   policy sweep: a simulation failed (recorded in sim/*.err, not fatal)"
  echo "   policy sweep: $((SECONDS - start)) s"
fi

# The Python boundary (issue 15; evictlab_tools/boundary.py): every policy's
# KV-mode replay of both Mooncake traces at 2^23 tokens four ways (the Python
# model, the binding per block, the binding batched, the C++ simulator),
# counters checked against `evictlab simulate`, into boundary/. A failure
# leaves boundary/pyboundary.err and is reported, not fatal, like the sweep.
if ((python)); then
  start=$SECONDS
  echo "-- Python boundary: scripts/pyboundary -> $run_dir/boundary/"
  if ((binding_built)); then
    /usr/bin/python3 -m evictlab_tools.boundary --run-dir "$run_dir" \
      --runs "$boundary_runs" ||
      echo "   Python boundary: failed (recorded in boundary/pyboundary.err, not fatal)"
  else
    mkdir -p "$run_dir/boundary"
    { echo "$ cmake --build --preset release --target evictlab_python"
      echo "exit status 1"
      tail -n 30 "$parts/binding.log"
      echo "the binding did not build"; } >"$run_dir/boundary/pyboundary.err"
    echo "   Python boundary: the binding did not build (recorded, not fatal)"
  fi
  echo "   Python boundary: $((SECONDS - start)) s"
fi

/usr/bin/python3 -m evictlab_tools.context "$run_dir" "$profile" build
scripts/summarize "$run_dir"
echo
echo "Summary: $run_dir/summary.md"
if [[ -x scripts/dashboard ]]; then
  scripts/dashboard --results results --out results/site
fi
