// BM_Simulate and BM_SimulateFloor: the speed of a whole-trace replay
// (SIM-SPEC section 1), beside the hit ratio it gives, for every simulator
// policy of the registry (docs/CASES.md "Names").
//
//   BM_Simulate/<policy>/trace:<trace>/cache:<size>
//       one iteration = sim::replay<Policy> of the whole trace at one cache
//       size, single thread, from an empty cache (building the evictor and
//       the dict is part of it, as in `evictlab simulate`).
//       items_per_second = requests per second; counters miss_ratio,
//       byte_miss_ratio, n_miss, golden_checked (1 when the result was
//       compared with libCacheSim's expectation).
//   BM_SimulateFloor/trace:<trace>/cache:<size>
//       the structure's floor: the same request loop doing nothing but
//       looking each request's id up in the simulator's own table type
//       (sim::SimDict), pre-filled with the ids an lru replay at the same
//       cache size leaves resident, so the found/not-found mix is close to
//       lru's hit/miss mix. items_per_second = requests per second; counter
//       found_ratio.
//
// Is BM_Simulate / BM_SimulateFloor a fair ratio? BM_Simulate builds its
// dict from empty, growth rehashes included, and the floor's table is
// pre-filled. That is kept on purpose: a lookup-only loop cannot build its
// table (the inserts would be the very work the floor leaves out), and the
// growth is part of what `evictlab simulate` pays per cache size, so it
// belongs on the lab's side of the ratio. It is also small: the table's
// rehashes are about 2% of lru's replay instructions at cloudphysics
// 128 MiB and 9% at 1 GiB (callgrind), far from the gap. Both tables end at
// the same size and load (the same resident ids), so the floor's probes
// touch as many cache lines as lru's hit probes do.
//
// bytes_per_object (BM_Simulate): the heap the cache holds after the
// replay (dict, policy state, ghosts), divided by the resident objects. Per
// object, the id and the size are 16 of these bytes; the policy state is
// what the policy keeps per object (docs/PERFORMANCE.md "The policy lab"
// lists it for every policy: for lru, fifo and mru the dict's order links,
// 8 bytes; clock and sieve add their one byte, indexed by the dict's entry
// number). The rest is the lookup table and the capacity the slab and the
// table keep for growth, both doubling, so the figure moves with the load.
//
// Traces (read or generated once per process, on first use, never at
// registration, so --evictlab_list_cases stays instant):
//   cloudphysics  <shared>/traces/libcachesim/cloudPhysicsIO.oracleGeneral.bin
//                 (113,872 requests), at 128 MiB and 1 GiB;
//   zipf1.0       generate_zipf: Zipf(1.0) over 102,400 objects of 4 KiB
//                 (400 MiB), 10^6 requests, seed kSeed, at 40 MiB (10% of
//                 the footprint). Smaller than issue 11's 10^7-request trace
//                 so that one iteration stays well under 0.5 s.
// <shared> is ../shared beside the source tree (EVICTLAB_SHARED_DIR), or
// --evictlab_shared=DIR. A missing trace or golden file is an error of the
// cases that need it, not of the binary.
//
// Checked once per case before timing (SkipWithError on a mismatch):
// - every policy: two replays give identical counters (determinism);
//   n_req == the trace's length, n_req_byte == the sum of its sizes;
//   distinct ids <= n_miss <= n_req (every first request misses) and
//   n_miss_byte <= n_req_byte; the timed replays give the checked result;
// - every (policy, cache size) that ../shared/golden-sim lists for the trace
//   (lru, fifo, clock, belady on cloudphysics at 128 MiB x 1..8): n_req,
//   n_req_byte, n_miss and n_miss_byte equal libCacheSim's;
// - the floor: the table holds exactly the ids of an lru replay whose misses
//   equal sim::replay<LRUPolicy>'s, within the capacity, and the ids found
//   equal the number of requests whose id is in that set, counted apart
//   with a std::unordered_set.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "bench/cache_benchmarks.h"
#include "bench/common/registry.h"
#include "bench/common/workload.h"
#include "evictlab/registry.h"
#include "evictlab/sim/generate.h"
#include "evictlab/sim/replay.h"
#include "evictlab/sim/trace.h"
#include "nlohmann/json.hpp"

namespace evictlab::bench {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

struct TraceSpec {
  std::string name;  // the trace:<name> part
  std::vector<std::uint64_t> cache_sizes;
  // Relative to the shared dir; empty for generated traces.
  std::string file;
  std::string golden;  // golden-sim file for this trace, or empty
};

const std::vector<TraceSpec>& trace_specs() {
  static const std::vector<TraceSpec> specs = {
      {"cloudphysics",
       {128 * kMiB, kGiB},
       "traces/libcachesim/cloudPhysicsIO.oracleGeneral.bin",
       "golden-sim/cloudphysics_oraclegeneral.json"},
      {"zipf1.0", {40 * kMiB}, "", ""},
  };
  return specs;
}

sim::ZipfParams zipf_params() {
  sim::ZipfParams p;
  p.objects = 102400;
  p.requests = 1000000;
  p.alpha = 1.0;
  p.obj_size = 4096;
  p.seed = kSeed;
  return p;
}

// 128MiB, 1GiB, 40KiB; plain bytes otherwise.
std::string size_label(std::uint64_t bytes) {
  if (bytes % kGiB == 0) return fmt::format("{}GiB", bytes / kGiB);
  if (bytes % kMiB == 0) return fmt::format("{}MiB", bytes / kMiB);
  if (bytes % 1024 == 0) return fmt::format("{}KiB", bytes / 1024);
  return std::to_string(bytes);
}

std::string& shared_dir() {
  static std::string dir = EVICTLAB_SHARED_DIR;
  return dir;
}

// A trace and what the checks need of it, loaded once.
struct LoadedTrace {
  std::string error;  // non-empty: the trace could not be had
  sim::Trace trace;
  std::uint64_t n_req_byte = 0;
  std::uint64_t distinct_ids = 0;
  // (policy, cache size) -> golden row; golden_error when unreadable.
  std::map<std::pair<std::string, std::uint64_t>, nlohmann::json> golden;
  std::string golden_error;
};

const LoadedTrace& loaded(const TraceSpec& spec) {
  static std::map<std::string, std::unique_ptr<LoadedTrace>> cache;
  auto& slot = cache[spec.name];
  if (slot) return *slot;
  slot = std::make_unique<LoadedTrace>();
  LoadedTrace& t = *slot;
  try {
    if (spec.file.empty()) {
      t.trace = sim::generate_zipf(zipf_params());
    } else {
      t.trace = sim::read_trace(shared_dir() + "/" + spec.file,
                                sim::TraceFormat::kOracleGeneral);
    }
  } catch (const std::exception& e) {
    t.error = fmt::format("trace:{}: {} (--evictlab_shared=DIR?)", spec.name,
                          e.what());
    return t;
  }
  std::unordered_set<std::uint64_t> ids;
  for (const sim::Request& r : t.trace.requests) {
    t.n_req_byte += r.size;
    ids.insert(r.id);
  }
  t.distinct_ids = ids.size();
  if (!spec.golden.empty()) {
    const std::string path = shared_dir() + "/" + spec.golden;
    try {
      std::ifstream in(path);
      if (!in) throw std::runtime_error("cannot open");
      const nlohmann::json doc = nlohmann::json::parse(in);
      if (doc.at("trace").get<std::string>() != spec.file) {
        throw std::runtime_error(fmt::format(
            "its rows are for {}, not {}", doc.at("trace").dump(), spec.file));
      }
      for (const nlohmann::json& row : doc.at("results")) {
        t.golden[{row.at("policy").get<std::string>(),
                  row.at("cache_size").get<std::uint64_t>()}] = row;
      }
    } catch (const std::exception& e) {
      t.golden_error = fmt::format("{}: {}", path, e.what());
    }
  }
  return t;
}

bool same_counters(const sim::SimResult& a, const sim::SimResult& b) {
  return a.n_req == b.n_req && a.n_req_byte == b.n_req_byte &&
         a.n_miss == b.n_miss && a.n_miss_byte == b.n_miss_byte;
}

struct Checked {
  std::string error;  // empty: the result passed every check
  sim::SimResult result;
  bool golden_checked = false;
  double bytes_per_object = 0;  // heap per resident object after the replay
};

// The checks of the header comment for one policy at one cache size; the
// outcome is kept, since Google Benchmark calls a case several times while
// it sizes the iteration count.
template <class Policy>
const Checked& checked(const TraceSpec& spec, std::uint64_t cache_size) {
  static std::map<std::pair<std::string, std::uint64_t>, Checked> memo;
  const auto key = std::make_pair(spec.name, cache_size);
  if (auto it = memo.find(key); it != memo.end()) return it->second;
  Checked& c = memo[key];
  const LoadedTrace& t = loaded(spec);
  if (!t.error.empty()) {
    c.error = t.error;
    return c;
  }
  const sim::SimResult a = sim::replay<Policy>(t.trace, cache_size, {});
  const sim::SimResult b = sim::replay<Policy>(t.trace, cache_size, {});
  c.result = a;
  // Memory: the heap the cache (dict and policy state, ghosts included)
  // holds after the last request, per resident object. The id and the size
  // are 16 of these bytes; the rest is the structure and the policy's state.
  const std::size_t heap_before = heap_in_use();
  sim::replay<Policy>(t.trace, cache_size, {}, {},
                      [&](const auto& dict, const auto& /*evictor*/) {
                        if (dict.size() == 0) return;
                        c.bytes_per_object =
                            static_cast<double>(heap_in_use() - heap_before) /
                            static_cast<double>(dict.size());
                      });
  auto fail = [&](std::string what) {
    c.error = fmt::format("{}: {} (n_req {}, n_miss {}, n_miss_byte {})",
                          Policy::kTraits.name, what, a.n_req, a.n_miss,
                          a.n_miss_byte);
  };
  if (!same_counters(a, b)) {
    fail(fmt::format("two replays differ (second: n_miss {}, n_miss_byte {})",
                     b.n_miss, b.n_miss_byte));
  } else if (a.n_req != t.trace.requests.size() ||
             a.n_req_byte != t.n_req_byte) {
    fail(fmt::format("n_req/n_req_byte are not the trace's {}/{}",
                     t.trace.requests.size(), t.n_req_byte));
  } else if (a.n_miss > a.n_req || a.n_miss_byte > a.n_req_byte) {
    fail("more misses than requests");
  } else if (a.n_miss < t.distinct_ids) {
    fail(fmt::format("fewer misses than the {} distinct ids", t.distinct_ids));
  } else if (!t.golden_error.empty()) {
    c.error = t.golden_error;
  } else if (auto g =
                 t.golden.find({std::string(Policy::kTraits.name), cache_size});
             g != t.golden.end()) {
    const nlohmann::json& row = g->second;
    c.golden_checked = true;
    if (a.n_req != row.at("n_req").get<std::uint64_t>() ||
        a.n_req_byte != row.at("n_req_byte").get<std::uint64_t>() ||
        a.n_miss != row.at("n_miss").get<std::uint64_t>() ||
        a.n_miss_byte != row.at("n_miss_byte").get<std::uint64_t>()) {
      fail(fmt::format("libCacheSim expects n_miss {}, n_miss_byte {}",
                       row.at("n_miss").get<std::uint64_t>(),
                       row.at("n_miss_byte").get<std::uint64_t>()));
    }
  }
  return c;
}

template <class Policy>
void BM_Simulate(benchmark::State& bm, const TraceSpec& spec,
                 std::uint64_t cache_size) {
  const Checked& c = checked<Policy>(spec, cache_size);
  if (!c.error.empty()) {
    bm.SkipWithError(c.error.c_str());
    return;
  }
  const sim::Trace& trace = loaded(spec).trace;
  const sim::SimOptions options;
  sim::SimResult last;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      last = sim::replay<Policy>(trace, cache_size, options);
      benchmark::DoNotOptimize(last.n_miss);
    }
  }
  if (!same_counters(last, c.result)) {
    bm.SkipWithError("a timed replay differs from the checked one");
    return;
  }
  bm.SetItemsProcessed(bm.iterations() *
                       static_cast<std::int64_t>(c.result.n_req));
  bm.counters["miss_ratio"] = c.result.miss_ratio();
  bm.counters["byte_miss_ratio"] = c.result.byte_miss_ratio();
  bm.counters["n_miss"] = static_cast<double>(c.result.n_miss);
  bm.counters["golden_checked"] = c.golden_checked ? 1 : 0;
  bm.counters["bytes_per_object"] = c.bytes_per_object;
}

// The ids resident after an lru replay of the trace, through the same
// evictor, dict and caller loop as sim::replay<LRUPolicy> (replay.h), which
// does not hand its dict out; its miss count is checked against replay's.
struct FloorTable {
  std::string error;  // empty: the table passed every check
  sim::SimDict table;
  std::uint64_t expected_found = 0;
};

void fill_lru_resident(const sim::Trace& trace, std::uint64_t cache_size,
                       sim::SimDict& table, std::uint64_t& n_miss) {
  using Evictor = LRUPolicy::Evictor<sim::SimDict>;
  Evictor evictor = make_evictor<Evictor>(
      static_cast<double>(cache_size) / 1073741824.0, PolicyParams{});
  PutResult<std::uint64_t> scratch;
  for (const sim::Request& req : trace.requests) {
    if (table.contains(req.id)) {
      evictor.update_on_get(req.id, table);
      continue;
    }
    ++n_miss;
    const auto bytes = static_cast<std::int64_t>(req.size);
    put_blocking(evictor, table, req.id, SizedObject{bytes}, bytes, scratch);
  }
}

// The floor's loop: how many requests find their id in the table.
std::uint64_t count_found(const sim::Trace& trace, const sim::SimDict& table) {
  std::uint64_t found = 0;
  for (const sim::Request& req : trace.requests) {
    found += table.contains(req.id) ? 1 : 0;
  }
  return found;
}

// The floor's table and its checks (header comment), built once per case.
const FloorTable& floor_table(const TraceSpec& spec, std::uint64_t cache_size) {
  static std::map<std::pair<std::string, std::uint64_t>,
                  std::unique_ptr<FloorTable>>
      memo;
  auto& slot = memo[{spec.name, cache_size}];
  if (slot) return *slot;
  slot = std::make_unique<FloorTable>();
  FloorTable& f = *slot;
  const LoadedTrace& t = loaded(spec);
  if (!t.error.empty()) {
    f.error = t.error;
    return f;
  }
  std::uint64_t n_miss = 0;
  fill_lru_resident(t.trace, cache_size, f.table, n_miss);
  const sim::SimResult lru = sim::replay<LRUPolicy>(t.trace, cache_size, {});
  std::unordered_set<std::uint64_t> ids;
  std::uint64_t stored = 0;
  for (auto it = f.table.begin(); it != f.table.end(); ++it) {
    ids.insert(it.key());
    stored += static_cast<std::uint64_t>(get_size(it.value()));
  }
  for (const sim::Request& req : t.trace.requests) {
    f.expected_found += ids.count(req.id);
  }
  if (n_miss != lru.n_miss || stored > cache_size ||
      ids.size() != f.table.size() || ids.empty()) {
    f.error = fmt::format(
        "the floor's lru table is not replay<lru>'s: {} misses (replay: {}), "
        "{} ids, {} bytes stored",
        n_miss, lru.n_miss, f.table.size(), stored);
    return f;
  }
  const std::uint64_t found = count_found(t.trace, f.table);
  if (found != f.expected_found) {
    f.error = fmt::format("{} ids found, {} requests have a resident id", found,
                          f.expected_found);
  }
  return f;
}

void BM_SimulateFloor(benchmark::State& bm, const TraceSpec& spec,
                      std::uint64_t cache_size) {
  const FloorTable& f = floor_table(spec, cache_size);
  if (!f.error.empty()) {
    bm.SkipWithError(f.error.c_str());
    return;
  }
  const sim::Trace& trace = loaded(spec).trace;
  std::uint64_t found = 0;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      found = count_found(trace, f.table);
      benchmark::DoNotOptimize(found);
    }
  }
  if (found != f.expected_found) {
    bm.SkipWithError("a timed lookup loop found a different count");
    return;
  }
  const auto n = static_cast<std::int64_t>(trace.requests.size());
  bm.SetItemsProcessed(bm.iterations() * n);
  bm.counters["found_ratio"] =
      static_cast<double>(found) / static_cast<double>(n);
}

}  // namespace

void register_simulate_benchmarks(const std::string& shared) {
  if (!shared.empty()) shared_dir() = shared;
  for (const TraceSpec& spec : trace_specs()) {
    for (std::uint64_t size : spec.cache_sizes) {
      const std::string variant =
          fmt::format("trace:{}/cache:{}", spec.name, size_label(size));
      for_each_policy([&](auto p) {
        using Policy = decltype(p);
        if constexpr (Policy::kTraits.evicts) {
          add(Case{"Simulate", std::string(Policy::kTraits.name), "", "", "", 0,
                   variant},
              [&spec, size](benchmark::State& bm) {
                BM_Simulate<Policy>(bm, spec, size);
              })
              ->Unit(benchmark::kMillisecond);
        }
      });
      add(Case{"SimulateFloor", "", "", "", "", 0, variant},
          [&spec, size](benchmark::State& bm) {
            BM_SimulateFloor(bm, spec, size);
          })
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace evictlab::bench
