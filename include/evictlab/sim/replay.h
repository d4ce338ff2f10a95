// replay<Policy>: the simulator's request loop (SIM-SPEC section 1) for one
// policy and one cache size, as a template so that any policy struct can be
// replayed, registered or not (the policy tests replay theirs before it joins
// the registry). `simulate()` (simulator.h) is this, dispatched by name.
//
// Per request: count it; a hit applies the policy's hit rule
// (update_on_get; the stored size is not updated); a miss is counted with the
// request's size and goes through the one caller loop (caller.h): the
// evictor decides (ILLEGAL when the object cannot be admitted: nothing is
// evicted), the victims are removed, the object is stored (put_new: the key
// is known to be absent, so no lookup asks again). A policy that
// needs future knowledge (Belady) is told each request's next access first.
//
// Thread-safety: builds its own cache; concurrent calls on one const Trace
// are safe.
#ifndef EVICTLAB_SIM_REPLAY_H_
#define EVICTLAB_SIM_REPLAY_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include "evictlab/caller.h"
#include "evictlab/dicts.h"
#include "evictlab/kv_object.h"
#include "evictlab/policy_params.h"
#include "evictlab/sim/simulator.h"
#include "evictlab/sim/trace.h"

namespace evictlab::sim {

using SimDict = DefaultDict::Type<std::uint64_t, SizedObject>;

// Limits given to the evictors as `max_cache_size_gb`: bytes / 2^30 is exact
// in a double, and the evictors' int(gb * 2^30) gives the bytes back, for
// every integer up to 2^53.
inline constexpr std::uint64_t kMaxCapacity = std::uint64_t{1} << 53;

// No-op end hook.
struct AtEndNothing {
  template <class D, class E>
  void operator()(const D& /*dict*/, const E& /*evictor*/) const {}
};

// REQUIRES: 1 <= cache_size <= kMaxCapacity, 0 <= warmup_frac < 1.
// Throws ConfigError for a bad parameter. `at_end(dict, evictor)` sees the
// cache after the last request, before it is destroyed (the benchmarks
// measure its memory there).
template <class Policy, class AtEnd = AtEndNothing>
SimResult replay(const Trace& trace, std::uint64_t cache_size,
                 const SimOptions& options, const PolicyParams& params = {},
                 AtEnd&& at_end = {}) {
  using Evictor = typename Policy::template Evictor<SimDict>;
  Evictor evictor = make_evictor<Evictor>(
      static_cast<double>(cache_size) / 1073741824.0, params);
  SimDict dict;
  PutResult<std::uint64_t> scratch;

  SimResult r;
  r.policy = std::string(Policy::kTraits.name);
  r.cache_size = cache_size;
  const std::size_t n = trace.requests.size();
  const auto warmup = static_cast<std::size_t>(
      std::floor(static_cast<double>(n) * options.warmup_frac));
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const Request& req = trace.requests[i];
    const std::uint64_t size = options.ignore_obj_size ? 1 : req.size;
    const bool counted = i >= warmup;
    if (counted) {
      ++r.n_req;
      r.n_req_byte += size;
    }
    if constexpr (Policy::kTraits.needs_future_knowledge) {
      evictor.set_next_access(req.next_access);
    }
    if (hit_if_resident(evictor, dict, req.id)) continue;
    if (counted) {
      ++r.n_miss;
      r.n_miss_byte += size;
    }
    // size > capacity: the evictor answers ILLEGAL and nothing changes.
    const auto bytes =
        static_cast<std::int64_t>(std::min<std::uint64_t>(size, kMaxCapacity));
    SizedObject value{bytes};
    put_new(evictor, dict, req.id, bytes, scratch,
            [&]() -> SizedObject&& { return std::move(value); });
  }
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  at_end(dict, evictor);
  return r;
}

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_REPLAY_H_
