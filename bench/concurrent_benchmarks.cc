// Hits and puts through SynchronizedCache (one lock) and ShardedCache (8
// locks) from 1 and 2 threads (docs/CONCURRENCY.md):
//   BM_UpdateOnGet/<policy>/dict:<d>/kvobj/hstr/entries:<n>/dist:uniform/
//       cache:<synchronized|sharded/shards:8>/callers:<1|2>
//   BM_UpdateOnPut/<policy>/dict:<d>/kvobj/hstr/entries:<n>/evictions:1/
//       cache:<...>/callers:<1|2>
// Google Benchmark appends /threads:<callers>/real_time; `callers` keeps the
// thread count in the record (the tools drop the /threads: suffix). With
// UseRealTime, items_per_second is the throughput of all callers together.
//
// Each thread of a case shares one cache, built and checked once, before any
// thread times: a hit of a resident key hits and one of an absent key does
// not; a put of a new key into the full cache evicts exactly one resident
// key and stores the new one. A hit case also fails (SkipWithError) if any
// timed hit missed. Registered for the sizes up to 2^16 only: they measure
// the lock, not the memory.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "bench/cache_benchmarks.h"
#include "bench/common/cache_state.h"
#include "bench/common/registry.h"
#include "bench/common/workload.h"
#include "evictlab/registry.h"
#include "evictlab/sharded_cache.h"
#include "evictlab/synchronized_cache.h"

namespace evictlab::bench {
namespace {

using K = HashedKey<std::string>;
using V = KVObject;
constexpr KVKind kKind = KVKind::kKVObj;
constexpr std::size_t kMaxEntries = std::size_t{1} << 16;
constexpr int kCallers[] = {1, 2};
constexpr int kMaxCallers = 2;

struct Synchronized {
  static constexpr const char* kName = "synchronized";
  template <class Policy>
  using Cache = SynchronizedCache<Policy, K, V>;
  template <class Cache>
  static std::unique_ptr<Cache> make(std::int64_t capacity) {
    return std::make_unique<Cache>(capacity);
  }
};
struct Sharded8 {
  static constexpr const char* kName = "sharded/shards:8";
  template <class Policy>
  using Cache = ShardedCache<Policy, K, V>;
  template <class Cache>
  static std::unique_ptr<Cache> make(std::int64_t capacity) {
    return std::make_unique<Cache>(capacity, 8);
  }
};

// One full cache of n kObjectBytes objects, shared by the threads of every
// case of (policy, cache kind, n, operation).
template <class Cache>
struct Fixture {
  std::unique_ptr<Cache> cache;
  std::vector<K> resident;     // the keys resident after the fill
  std::vector<const K*> hits;  // kDraws uniform draws of them
  V spare;                     // a copy of the stored object
  // Per caller: keys no other caller puts, cycled (2n: a key comes back
  // after n other puts have evicted it), and where the caller is in them.
  std::vector<std::vector<K>> fresh;
  std::vector<std::size_t> cursor;
  std::string error;  // non-empty: the check failed
};

template <class Kind, class Policy>
Fixture<typename Kind::template Cache<Policy>>& fixture(std::size_t n,
                                                        bool for_puts) {
  using Cache = typename Kind::template Cache<Policy>;
  static absl::Mutex mu;
  static std::map<std::pair<std::size_t, bool>, std::unique_ptr<Fixture<Cache>>>
      fixtures ABSL_GUARDED_BY(mu);
  absl::MutexLock lock(&mu);  // the other threads wait for the build
  auto& f = fixtures[{n, for_puts}];
  if (f) return *f;
  f = std::make_unique<Fixture<Cache>>();
  f->cache =
      Kind::template make<Cache>(static_cast<std::int64_t>(n) * kObjectBytes);
  Cache& cache = *f->cache;
  const auto& pool = key_pool<K>(n);  // 2n keys
  const V object = object_pool(kKind, n)[0];
  f->spare = object;
  // 2n puts fill every shard (each needs about n/8 of them).
  for (const K& key : pool) cache.put(key, object, kObjectBytes);
  f->resident = cache.keys();
  if (f->resident.size() != n) {
    f->error =
        fmt::format("the fill left {} entries, not {}", f->resident.size(), n);
    return *f;
  }
  const K absent = make_key<K>(100 * n);
  for (const std::uint32_t d : uniform_draws(n)) {
    f->hits.push_back(&f->resident[d]);
  }
  if (!cache.hit(f->resident[0]) || cache.hit(absent) || cache.size() != n) {
    f->error = "a hit of a resident key missed, or one of an absent key hit";
    return *f;
  }
  if (for_puts) {
    const auto out = cache.put(absent, object, kObjectBytes);
    if (out.status != PutStatus::kLegal || !out.stored ||
        out.evicted.size() != 1 || out.evicted[0].key == absent ||
        cache.contains(out.evicted[0].key) || cache.size() != n) {
      f->error =
          "a put of a new key into the full cache did not evict exactly one "
          "resident key";
      return *f;
    }
    for (int c = 0; c < kMaxCallers; ++c) {
      std::vector<K> keys;
      keys.reserve(2 * n);
      for (std::size_t j = 0; j < 2 * n; ++j) {
        keys.push_back(make_key<K>((2 + 2 * c) * n + j));
      }
      f->fresh.push_back(std::move(keys));
    }
    f->cursor.assign(kMaxCallers, 0);
  }
  return *f;
}

template <class Kind, class Policy>
void BM_ConcurrentHit(benchmark::State& bm, std::size_t n) {
  auto& f = fixture<Kind, Policy>(n, /*for_puts=*/false);
  if (!f.error.empty()) {
    bm.SkipWithError(f.error.c_str());
    return;
  }
  const std::vector<const K*>& keys = f.hits;
  auto& cache = *f.cache;
  // Callers start half the draws apart, so they do not hit the same keys
  // in step.
  std::size_t i =
      (static_cast<std::size_t>(bm.thread_index()) * kDraws / 2) & (kDraws - 1);
  std::size_t misses = 0;
  for (auto _ : bm) {
    misses += cache.hit(*keys[i]) ? 0 : 1;
    i = (i + 1) & (kDraws - 1);
  }
  if (misses != 0) {
    bm.SkipWithError(fmt::format("{} timed hits missed", misses).c_str());
    return;
  }
  bm.SetItemsProcessed(bm.iterations());
}

template <class Kind, class Policy>
void BM_ConcurrentPut(benchmark::State& bm, std::size_t n) {
  auto& f = fixture<Kind, Policy>(n, /*for_puts=*/true);
  if (!f.error.empty()) {
    bm.SkipWithError(f.error.c_str());
    return;
  }
  auto& cache = *f.cache;
  const auto t = static_cast<std::size_t>(bm.thread_index());
  const std::vector<K>& keys = f.fresh[t];
  std::size_t j = f.cursor[t];
  const V& spare = f.spare;
  V obj = spare;
  typename Kind::template Cache<Policy>::Outcome out;
  std::size_t evictions = 0;
  for (auto _ : bm) {
    cache.put(keys[j], std::move(obj), kObjectBytes, out);
    // The victim's object is the next put's: memory stays flat.
    if (out.evicted.empty()) {
      obj = spare;
    } else {
      obj = std::move(out.evicted.back().value);
    }
    evictions += out.evicted.size();
    j = j + 1 == keys.size() ? 0 : j + 1;
  }
  f.cursor[t] = j;
  bm.SetItemsProcessed(bm.iterations());
  bm.counters["evictions"] = benchmark::Counter(
      static_cast<double>(evictions), benchmark::Counter::kAvgIterations);
}

template <class Kind, class Policy>
void register_for(const std::vector<std::size_t>& entries) {
  for (std::size_t n : entries) {
    if (n > kMaxEntries) continue;
    for (int callers : kCallers) {
      auto record = [&](const char* family, const char* op) {
        return Case{
            family,
            std::string(Policy::kTraits.name),
            std::string(DefaultDict::kName),
            std::string(kv_name(kKind)),
            std::string(key_name(key_kind_of<K>())),
            n,
            fmt::format("{}/cache:{}/callers:{}", op, Kind::kName, callers)};
      };
      add(record("UpdateOnGet", "dist:uniform"),
          [=](benchmark::State& bm) { BM_ConcurrentHit<Kind, Policy>(bm, n); })
          ->Threads(callers)
          ->UseRealTime();
      add(record("UpdateOnPut", "evictions:1"),
          [=](benchmark::State& bm) { BM_ConcurrentPut<Kind, Policy>(bm, n); })
          ->Threads(callers)
          ->UseRealTime();
    }
  }
}

}  // namespace

void register_concurrent_benchmarks(const std::vector<std::size_t>& entries) {
  // The reference LRU (LMCache's evictor) and S3-FIFO (a policy with its own
  // queues beside the dict), each behind one lock and behind eight.
  register_for<Synchronized, LRUPolicy>(entries);
  register_for<Sharded8, LRUPolicy>(entries);
  register_for<Synchronized, S3FIFOPolicy>(entries);
  register_for<Sharded8, S3FIFOPolicy>(entries);
}

}  // namespace evictlab::bench
