// BM_UpdateOnGet and BM_UpdateOnPut over policies x KV kinds x key kinds x
// sizes (docs/WORKLOADS.md).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>
#include <tuple>
#include <utility>

#include "bench/cache_benchmarks.h"
#include "bench/common/cache_state.h"
#include "bench/common/registry.h"

namespace evictlab::bench {
namespace {

template <class Policy>
constexpr bool kIsDummy = std::is_same_v<Policy, DummyPolicy>;

// The reference-family evictors keep `current` as a double, strict as int64.
template <class State>
double current_of(const State& s) {
  return static_cast<double>(s.evictor.current_cache_size());
}

template <class Policy, class K>
void set_counters(benchmark::State& bm, const CacheState<Policy, K>& s,
                  std::size_t total_evictions) {
  bm.SetItemsProcessed(bm.iterations());
  // Evictions per operation.
  bm.counters["evictions"] = benchmark::Counter(
      static_cast<double>(total_evictions), benchmark::Counter::kAvgIterations);
  bm.counters["bytes_per_entry"] = benchmark::Counter(s.bytes_per_entry);
}

template <class Policy, class K>
void BM_UpdateOnGet(benchmark::State& bm, KVKind kind, std::size_t n,
                    bool zipf) {
  auto& s = cache_state<Policy, K>(kind, n);
  const auto draws = zipf ? zipf_draws(n) : uniform_draws(n);
  std::vector<const K*> keys(draws.size());
  for (std::size_t i = 0; i < draws.size(); ++i)
    keys[i] = &s.resident(draws[i]);

  // Check: a get promotes its key to newest (dummy: changes nothing).
  const std::size_t size_before = s.dict.size();
  const K front_before = s.dict.front_key();
  s.evictor.update_on_get(*keys[0], s.dict);
  if constexpr (!kIsDummy<Policy>) {
    s.order_dirty = true;
    if (!(s.dict.back_key() == *keys[0])) {
      bm.SkipWithError("update_on_get did not promote the key to newest");
      return;
    }
  } else if (!(s.dict.front_key() == front_before)) {
    bm.SkipWithError("dummy update_on_get changed the order");
    return;
  }
  if (s.dict.size() != size_before) {
    bm.SkipWithError("update_on_get changed the dict's size");
    return;
  }

  // Called through the BaseEvictor interface, as the backends hold their
  // evictor: the opaque pointer stops the compiler from devirtualizing (and,
  // for dummy, from deleting the call altogether).
  BaseEvictor<typename CacheState<Policy, K>::Dict>* evictor = &s.evictor;
  benchmark::DoNotOptimize(evictor);
  std::size_t i = 0;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      evictor->update_on_get(*keys[i], s.dict);
      i = (i + 1) & (kDraws - 1);
    }
  }
  set_counters(bm, s, 0);
}

// One blocking put of `key` (the local backend's pattern, all of it timed):
// ask, drop if ILLEGAL, pop a resident `key`, pop the evicted keys, store.
// The stored object is the one popped last, so memory stays flat; `spare`
// is stored (copied) when nothing was popped.
template <class Policy, class K>
std::size_t put_recycling(CacheState<Policy, K>& s, const K& key,
                          const KVObject& spare) {
  Policy::decide(s.evictor, s.dict, kObjectBytes, key, s.scratch);
  if (s.scratch.status == PutStatus::kIllegal) return 0;
  KVObject obj;
  bool have = false;
  if (s.dict.contains(key)) {
    obj = Policy::remove(s.evictor, s.dict, key);
    have = true;
  }
  for (const K& evicted : s.scratch.evict_keys) {
    obj = Policy::remove(s.evictor, s.dict, evicted);
    have = true;
  }
  if (have) {
    Policy::store(s.evictor, s.dict, key, std::move(obj));
  } else {
    Policy::store(s.evictor, s.dict, key, spare);
  }
  return s.scratch.evict_keys.size();
}

template <class Policy, class K>
void BM_PutOneEviction(benchmark::State& bm, KVKind kind, std::size_t n) {
  auto& s = cache_state<Policy, K>(kind, n);
  s.restore_order();
  const KVObject spare = object_pool(kind, n)[0];
  const std::size_t ring = 2 * n;

  // Check one put: it evicts exactly the oldest key and stays full.
  {
    const K oldest = s.dict.front_key();
    const std::size_t evicted = put_recycling(s, s.outside(0), spare);
    ++s.offset;
    if constexpr (!kIsDummy<Policy>) {
      if (evicted != 1 || !(s.scratch.evict_keys[0] == oldest) ||
          s.dict.size() != n ||
          current_of(s) != static_cast<double>(s.max_bytes())) {
        bm.SkipWithError(
            "evictions:1 put did not evict exactly the oldest key");
        return;
      }
    } else if (evicted != 0) {
      bm.SkipWithError("dummy put evicted");
      return;
    }
  }

  std::size_t evictions = 0;
  std::size_t next = (s.offset + n) % ring;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      evictions += put_recycling(s, s.pool[next], spare);
      next = next + 1 == ring ? 0 : next + 1;
    }
  }
  s.offset = (next + ring - n) % ring;
  if constexpr (kIsDummy<Policy>) {
    // Dummy never evicts: drop what it accumulated so the shared state is a
    // window of n keys again.
    while (s.dict.size() > n) s.dict.pop(s.dict.front_key());
    s.order_dirty = true;
  }
  set_counters(bm, s, evictions);
}

template <class Policy, class K>
void BM_PutNoEviction(benchmark::State& bm, KVKind kind, std::size_t n) {
  auto& s = cache_state<Policy, K>(kind, n);
  s.restore_order();
  // A second evictor over the same dict whose limit is never reached.
  auto filler = Policy::template make_evictor<K, KVObject>(1 << 20);  // 1 PiB
  const std::size_t batch = std::min<std::size_t>(n, 1024);
  std::vector<KVObject> fresh(batch, object_pool(kind, n)[0]);
  PutResult<K> scratch;

  auto put = [&](std::size_t j) {
    const K& key = s.outside(j);
    Policy::decide(filler, s.dict, kObjectBytes, key, scratch);
    if (scratch.status == PutStatus::kIllegal) return false;
    if (s.dict.contains(key)) Policy::remove(filler, s.dict, key);
    for (const K& evicted : scratch.evict_keys) {
      Policy::remove(filler, s.dict, evicted);
    }
    Policy::store(filler, s.dict, key, std::move(fresh[j]));
    return scratch.evict_keys.empty();
  };
  auto undo = [&](std::size_t count) {
    for (std::size_t j = 0; j < count; ++j) {
      fresh[j] = Policy::remove(filler, s.dict, s.outside(j));
    }
  };

  if (!put(0) || s.dict.size() != n + 1) {
    bm.SkipWithError("evictions:0 put evicted or did not insert");
    return;
  }
  undo(1);

  {
    MeasuredRegion region;
    while (bm.KeepRunningBatch(static_cast<benchmark::IterationCount>(batch))) {
      for (std::size_t j = 0; j < batch; ++j) put(j);
      region.pause(bm);
      undo(batch);
      region.resume(bm);
    }
  }
  set_counters(bm, s, 0);
}

template <class Policy, class K>
void BM_PutEightEvictions(benchmark::State& bm, KVKind kind, std::size_t n) {
  auto& s = cache_state<Policy, K>(kind, n);
  s.restore_order();
  // n/16 puts evict n/2 keys; capped so that undoing a batch (untimed, but
  // it costs wall time) stays small at 2^20 entries and above.
  const std::size_t batch = std::clamp<std::size_t>(n / 16, 1, 4096);
  constexpr std::int64_t kBig = 8 * kObjectBytes;
  std::vector<KVObject> bigs(batch, make_objects(kind, 1, kBig)[0]);
  std::vector<KVObject> popped(8 * batch);

  auto put = [&](std::size_t j) {
    const K& key = s.outside(j);
    Policy::decide(s.evictor, s.dict, kBig, key, s.scratch);
    if (s.dict.contains(key)) Policy::remove(s.evictor, s.dict, key);
    std::size_t e = 8 * j;
    for (const K& evicted : s.scratch.evict_keys) {
      if (e < popped.size()) {
        popped[e++] = Policy::remove(s.evictor, s.dict, evicted);
      }
    }
    Policy::store(s.evictor, s.dict, key, std::move(bigs[j]));
    return s.scratch.evict_keys.size();
  };
  // Undo `count` puts: pop the big objects, put the small ones back at the
  // oldest end in their old order.
  auto undo = [&](std::size_t count) {
    for (std::size_t j = 0; j < count; ++j) {
      bigs[j] = Policy::remove(s.evictor, s.dict, s.outside(j));
    }
    for (std::size_t e = 8 * count; e-- > 0;) {
      Policy::store(s.evictor, s.dict, s.resident(e), std::move(popped[e]));
      s.dict.move_to_end(s.resident(e), /*last=*/false);
    }
  };

  {
    std::vector<K> expected;
    for (auto it = s.dict.begin(); expected.size() < 8; ++it) {
      expected.push_back(it.key());
    }
    put(0);
    const bool ok = s.scratch.status == PutStatus::kLegal &&
                    s.scratch.evict_keys == expected &&
                    s.dict.size() == n - 7 &&
                    current_of(s) == static_cast<double>(s.max_bytes());
    undo(1);
    if (!ok || s.dict.size() != n || !(s.dict.front_key() == s.resident(0))) {
      bm.SkipWithError("evictions:8 put did not evict exactly the 8 oldest");
      return;
    }
  }

  std::size_t evictions = 0;
  {
    MeasuredRegion region;
    while (bm.KeepRunningBatch(static_cast<benchmark::IterationCount>(batch))) {
      for (std::size_t j = 0; j < batch; ++j) evictions += put(j);
      region.pause(bm);
      undo(batch);
      region.resume(bm);
    }
  }
  set_counters(bm, s, evictions);
}

template <class Policy, class K>
void BM_PutIllegal(benchmark::State& bm, KVKind kind, std::size_t n) {
  auto& s = cache_state<Policy, K>(kind, n);
  const std::int64_t too_big = s.max_bytes() + 1;
  const K& key = s.outside(0);
  const double current_before = current_of(s);
  Policy::decide(s.evictor, s.dict, too_big, key, s.scratch);
  if (s.scratch.status != PutStatus::kIllegal ||
      !s.scratch.evict_keys.empty() || current_of(s) != current_before ||
      s.dict.size() != n) {
    bm.SkipWithError("a put above the limit was not rejected cleanly");
    return;
  }
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      Policy::decide(s.evictor, s.dict, too_big, key, s.scratch);
      benchmark::DoNotOptimize(s.scratch.status);
    }
  }
  set_counters(bm, s, 0);
}

template <class Policy, class K>
void register_for(const std::vector<std::size_t>& entries) {
  for (KVKind kind : kAllKVKinds) {
    for (std::size_t n : entries) {
      const std::string prefix =
          fmt::format("{}/{}/{}/entries:{}", Policy::kName, kv_name(kind),
                      key_name(key_kind_of<K>()), n);
      for (bool zipf : {false, true}) {
        add(fmt::format("BM_UpdateOnGet/{}/dist:{}", prefix,
                        zipf ? "zipf" : "uniform"),
            [=](benchmark::State& bm) {
              BM_UpdateOnGet<Policy, K>(bm, kind, n, zipf);
            });
      }
      add(fmt::format("BM_UpdateOnPut/{}/evictions:0", prefix),
          [=](benchmark::State& bm) {
            BM_PutNoEviction<Policy, K>(bm, kind, n);
          });
      add(fmt::format("BM_UpdateOnPut/{}/evictions:1", prefix),
          [=](benchmark::State& bm) {
            BM_PutOneEviction<Policy, K>(bm, kind, n);
          });
      if constexpr (!kIsDummy<Policy>) {  // dummy never evicts nor rejects
        add(fmt::format("BM_UpdateOnPut/{}/evictions:8", prefix),
            [=](benchmark::State& bm) {
              BM_PutEightEvictions<Policy, K>(bm, kind, n);
            });
        add(fmt::format("BM_UpdateOnPut/{}/status:illegal", prefix),
            [=](benchmark::State& bm) {
              BM_PutIllegal<Policy, K>(bm, kind, n);
            });
      }
    }
  }
}

template <class... Policies>
void register_all(std::tuple<Policies...>*,
                  const std::vector<std::size_t>& entries) {
  (register_for<Policies, std::string>(entries), ...);
  (register_for<Policies, CacheEngineKey>(entries), ...);
  // Hash-carrying keys, for the LRU family (dummy never hashes a key).
  (
      [&] {
        if constexpr (!kIsDummy<Policies>) {
          register_for<Policies, HashedKey<std::string>>(entries);
          register_for<Policies, HashedKey<CacheEngineKey>>(entries);
        }
      }(),
      ...);
}

}  // namespace

void register_cache_benchmarks(const std::vector<std::size_t>& entries) {
  register_all(static_cast<AllPolicies*>(nullptr), entries);
}

}  // namespace evictlab::bench
