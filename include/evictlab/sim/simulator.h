// The trace simulator behind `evictlab simulate` (../shared/SIM-SPEC.md,
// sections 1 and 6): replays a request stream against a byte-sized cache
// under one policy and counts requests and misses, in objects and bytes.
//
// It runs the registry's own policies (registry.h) over the default dict,
// through the one caller loop (caller.h): a miss is LMCache's blocking put,
// a hit is update_on_get. There is no second implementation of any policy
// here; the simulator only supplies the request loop and the counters.
//
// Per request (SIM-SPEC section 1): count it; on a hit apply the policy's hit
// rule (the stored size is not updated); on a miss count the miss with the
// request's size, and unless `size > capacity` (not admitted: nothing is
// evicted), evict until the object fits, then insert it.
//
// Thread-safety: simulate() builds its own cache; concurrent calls on the
// same const Trace are safe. simulate_all() runs jobs on `threads` threads;
// every result is independent of the thread count.
#ifndef EVICTLAB_SIM_SIMULATOR_H_
#define EVICTLAB_SIM_SIMULATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "evictlab/policy_params.h"
#include "evictlab/sim/trace.h"

namespace evictlab::sim {

struct SimOptions {
  // Every request's size becomes 1: capacities count objects.
  bool ignore_obj_size = false;
  // The first floor(n * warmup_frac) requests are applied, not counted.
  double warmup_frac = 0.0;
  // Parameters by policy name (`--param s3fifo.fifo-size-ratio=0.2`).
  std::map<std::string, PolicyParams, std::less<>> params;
  // 0: one cache (replay.h). N >= 1: a ShardedCache of N shards of
  // cache_size / N bytes each (sim/sharded_replay.h, docs/CONCURRENCY.md).
  std::size_t shards = 0;

  const PolicyParams& params_of(std::string_view policy) const {
    static const PolicyParams kNone;
    const auto it = params.find(policy);
    return it == params.end() ? kNone : it->second;
  }
};

struct SimResult {
  std::string policy;
  std::uint64_t cache_size = 0;  // bytes (objects with ignore_obj_size)
  std::uint64_t n_req = 0;
  std::uint64_t n_req_byte = 0;
  std::uint64_t n_miss = 0;
  std::uint64_t n_miss_byte = 0;
  double seconds = 0.0;  // wall time of this simulation's request loop

  double miss_ratio() const {
    return n_req == 0 ? 0.0 : static_cast<double>(n_miss) / n_req;
  }
  double byte_miss_ratio() const {
    return n_req_byte == 0 ? 0.0
                           : static_cast<double>(n_miss_byte) / n_req_byte;
  }
  double req_per_s() const { return seconds > 0 ? n_req / seconds : 0.0; }
};

// The registry's policies a cache can run, in registry order: every policy
// whose traits say it evicts (dummy never does, so it is no cache policy).
std::vector<std::string> simulator_policies();

// Whether `policy` needs each request's next access (Belady): its trace must
// have been read with them (Trace::has_next_access), else simulate() throws
// std::invalid_argument.
bool policy_needs_future(std::string_view policy);

// Throws std::invalid_argument naming the policy when it is not one of
// simulator_policies(), the capacity when it is 0 or above 2^53 (the
// evictors' limits are exact below it), and the warm-up fraction when it is
// outside [0, 1), the shards when they outnumber the capacity's bytes, and
// ConfigError naming the field for a bad parameter.
SimResult simulate(const Trace& trace, std::string_view policy,
                   std::uint64_t cache_size, const SimOptions& options = {});

// Why `policy` cannot be simulated, as an error message's tail: "unknown
// policy 'x' (expected <one_of> <the simulator policies>)", or, for a
// registry policy that never evicts (dummy), that it has nothing to
// simulate. Empty when `policy` is one of simulator_policies().
std::string unsimulated_policy_reason(std::string_view policy,
                                      std::string_view one_of = "one of");

// Throws ConfigError naming the field when `params` are not parameters
// `policy` takes (an unknown name, a bad value); std::invalid_argument for an
// unknown policy.
void check_policy_params(std::string_view policy, const PolicyParams& params);

struct SimJob {
  std::string policy;
  std::uint64_t cache_size;
};
// Runs every job (e.g. policies x cache sizes) on `threads` threads (0: one
// per core) and returns the results in job order. `on_done(finished, total)`
// is called after each job, from the worker that finished it, one call at a
// time. Arguments are validated before any job starts.
std::vector<SimResult> simulate_all(
    const Trace& trace, const std::vector<SimJob>& jobs,
    const SimOptions& options, unsigned threads,
    const std::function<void(std::size_t, std::size_t)>& on_done = {});

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_SIMULATOR_H_
