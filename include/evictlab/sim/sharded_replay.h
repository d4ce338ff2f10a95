// replay_sharded<Policy>: the simulator's request loop (replay.h) over a
// ShardedCache (sharded_cache.h) of `shards` shards of cache_size / shards
// bytes each, to show what partitioning a cache by key hash does to its miss
// ratio (docs/CONCURRENCY.md). `evictlab simulate --shards N` runs this.
//
// Each request goes to its id's shard, atomically (ShardedCache::access):
// a hit applies the shard policy's hit rule, a miss goes through the caller
// loop of that shard. Counting is replay()'s. With shards = 1 the result
// equals replay()'s exactly (tests/sharded_simulation_test.cc), so any
// difference at N > 1 is the partition's.
//
// Thread-safety: builds its own cache; concurrent calls on one const Trace
// are safe. It runs on one thread (a trace is a sequence: the order of
// requests decides hits, so threads would change the result).
#ifndef EVICTLAB_SIM_SHARDED_REPLAY_H_
#define EVICTLAB_SIM_SHARDED_REPLAY_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include "evictlab/sharded_cache.h"
#include "evictlab/sim/replay.h"

namespace evictlab::sim {

// REQUIRES: 1 <= shards <= cache_size <= kMaxCapacity, 0 <= warmup_frac < 1.
// Throws ConfigError for a bad parameter.
template <class Policy>
SimResult replay_sharded(const Trace& trace, std::uint64_t cache_size,
                         std::size_t shards, const SimOptions& options,
                         const PolicyParams& params = {}) {
  ShardedCache<Policy, std::uint64_t, SizedObject> cache(
      static_cast<std::int64_t>(cache_size), shards, params);
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
    const auto bytes =
        static_cast<std::int64_t>(std::min<std::uint64_t>(size, kMaxCapacity));
    const bool hit =
        cache.access(req.id, bytes, SizedObject{bytes}, req.next_access).hit;
    if (!hit && counted) {
      ++r.n_miss;
      r.n_miss_byte += size;
    }
  }
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return r;
}

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_SHARDED_REPLAY_H_
