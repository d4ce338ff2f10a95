// Case registration and the measured region.
//
// A case is a record (docs/CASES.md); its Google Benchmark name is rendered
// from the record, never parsed back. Every case registers through add(),
// which records it so that main() can apply run-wide settings (the
// instruction-count gate runs each case for a fixed number of iterations),
// list the cases as JSON (`--evictlab_list_cases`), and remember the running
// case's name for MeasuredRegion.
//
// MeasuredRegion brackets exactly the timed loop of a case. Natively it costs
// nothing measurable (the Valgrind client requests are a few no-op
// instructions); under `valgrind --tool=callgrind --instr-atstart=no` it turns
// instrumentation on for the loop only, turns collection off while a case
// pauses its timer, and dumps the counts under the case's name.
#ifndef EVICTLAB_BENCH_COMMON_REGISTRY_H_
#define EVICTLAB_BENCH_COMMON_REGISTRY_H_

#include <benchmark/benchmark.h>
#include <valgrind/callgrind.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace evictlab::bench {

// The fields of docs/CASES.md; an empty string (or 0 entries) is null.
struct Case {
  std::string family;  // UpdateOnGet, UpdateOnPut, GetSize, MemoryFloor
  std::string policy;
  std::string dict;
  std::string kv;
  std::string key;
  std::size_t entries = 0;
  std::string variant;  // the rest of the name, '/'-joined

  // BM_<family>[/<policy>][/dict:<dict>][/<kv>][/<key>][/entries:<n>]
  // [/<variant>]
  std::string name() const;
};

benchmark::internal::Benchmark* add(const Case& c,
                                    std::function<void(benchmark::State&)> fn);

// Writes the case list of docs/CASES.md (registry traits, dicts, kinds and
// every case added so far) to stdout.
void print_case_list();

// The name of the case running now (set by add()'s wrapper).
const std::string& current_case();

// Runs every case added so far for exactly `n` iterations, each from freshly
// built cache states (fresh_state_per_case): the instruction-count gate's
// mode. NOTE: Google Benchmark then appends "/iterations:N" to the reported
// names.
void set_fixed_iterations(benchmark::IterationCount n);

// Whether a case must not inherit the cache states (cache_state.h) that
// earlier cases of the process left behind. Set with fixed iterations, so
// that a gate case's count depends on that case alone: a shared dict's
// tombstones decide when its table is next rebuilt (an O(n) pass that one
// 2048-iteration window holds or not), so the cases that ran before it, and
// hence any case added to or dropped from the binary, moved its count (mru's
// puts at 2^16: 801 instructions per put alone, 1012 after the other cases;
// docs/PERFORMANCE.md, "The gate's counts").
bool fresh_state_per_case();

// Changes each time a case starts (add()'s wrapper), so that a cache state
// can tell whether it was built in the running case.
std::uint64_t case_serial();

class MeasuredRegion {
 public:
  MeasuredRegion() {
    CALLGRIND_ZERO_STATS;
    CALLGRIND_START_INSTRUMENTATION;
  }
  ~MeasuredRegion() {
    CALLGRIND_STOP_INSTRUMENTATION;
    CALLGRIND_DUMP_STATS_AT(current_case().c_str());
  }
  MeasuredRegion(const MeasuredRegion&) = delete;
  MeasuredRegion& operator=(const MeasuredRegion&) = delete;

  // Untimed, uncounted work inside the loop (undoing a batch).
  void pause(benchmark::State& bm) {
    CALLGRIND_TOGGLE_COLLECT;
    bm.PauseTiming();
  }
  void resume(benchmark::State& bm) {
    bm.ResumeTiming();
    CALLGRIND_TOGGLE_COLLECT;
  }
};

}  // namespace evictlab::bench

#endif  // EVICTLAB_BENCH_COMMON_REGISTRY_H_
