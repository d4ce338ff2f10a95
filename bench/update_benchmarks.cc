// BM_UpdateOnGet and BM_UpdateOnPut over policies x dicts x KV kinds x key
// kinds x sizes (docs/WORKLOADS.md, docs/CASES.md).
//
// Every put goes through the one caller loop (evictlab/caller.h). The checks
// before timing ask the policy's traits what a hit and a put must do (promote
// or not; which end victims come from), never which policy this is.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "bench/cache_benchmarks.h"
#include "bench/common/cache_state.h"
#include "bench/common/registry.h"

namespace evictlab::bench {
namespace {

// The reference-family evictors keep `current` as a double, the others as an
// int64; dummy keeps none (its checks never ask).
template <class State>
double current_of(const State& s) {
  if constexpr (State::Combo::Policy::kTraits.evicts) {
    return static_cast<double>(s.evictor.current_cache_size());
  } else {
    return 0.0;
  }
}

template <class State>
void set_counters(benchmark::State& bm, const State& s,
                  std::size_t total_evictions) {
  bm.SetItemsProcessed(bm.iterations());
  // Evictions per operation.
  bm.counters["evictions"] = benchmark::Counter(
      static_cast<double>(total_evictions), benchmark::Counter::kAvgIterations);
  bm.counters["bytes_per_entry"] = benchmark::Counter(s.bytes_per_entry);
}

// A policy that needs the future (Belady) is told one before every
// operation: the next access of the request, drawn from a fixed table of
// pseudo-random request indices (and none, 1 in 8), so its heap sees a mix
// of near and far futures. Compiles to nothing for the other policies.
template <class Evictor, class Policy>
inline void tell_future(Evictor& evictor, std::size_t i) {
  if constexpr (Policy::kTraits.needs_future_knowledge) {
    static const std::vector<std::int64_t> futures = [] {
      std::vector<std::int64_t> out(kDraws);
      std::uint64_t x = 0x9E3779B97F4A7C15u;
      for (auto& f : out) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        f = (x & 7) == 0 ? -1 : static_cast<std::int64_t>(x >> 24);
      }
      return out;
    }();
    evictor.set_next_access(futures[i & (kDraws - 1)]);
  } else {
    (void)evictor;
    (void)i;
  }
}

template <class Combo, class K>
void BM_UpdateOnGet(benchmark::State& bm, KVKind kind, std::size_t n,
                    bool zipf) {
  constexpr PolicyTraits kTraits = Combo::Policy::kTraits;
  auto& s = cache_state<Combo, K>(kind, n);
  const auto draws = zipf ? zipf_draws(n) : uniform_draws(n);
  std::vector<const K*> keys(draws.size());
  for (std::size_t i = 0; i < draws.size(); ++i)
    keys[i] = &s.resident(draws[i]);

  // Check one hit against the traits: it promotes the key to newest, or it
  // leaves the order alone; it never changes the size.
  const std::size_t size_before = s.dict.size();
  const K front_before = s.dict.front_key();
  const K back_before = s.dict.back_key();
  s.evictor.update_on_get(*keys[0], s.dict);
  if constexpr (kTraits.per_entry_hit_state) s.hit_dirty = true;
  if constexpr (kTraits.promotes_on_hit) {
    s.order_dirty = true;
    if (!(s.dict.back_key() == *keys[0])) {
      bm.SkipWithError("update_on_get did not promote the key to newest");
      return;
    }
  } else if (!(s.dict.front_key() == front_before) ||
             !(s.dict.back_key() == back_before)) {
    bm.SkipWithError(
        "update_on_get of a non-promoting policy changed the "
        "order");
    return;
  }
  if (s.dict.size() != size_before) {
    bm.SkipWithError("update_on_get changed the dict's size");
    return;
  }

  // Called through the BaseEvictor interface, as the backends hold their
  // evictor: the opaque pointer stops the compiler from devirtualizing (and,
  // for a policy whose hit does nothing, from deleting the call altogether).
  BaseEvictor<typename CacheState<Combo, K>::Dict>* evictor = &s.evictor;
  benchmark::DoNotOptimize(evictor);
  std::size_t i = 0;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      tell_future<decltype(s.evictor), typename Combo::Policy>(s.evictor, i);
      evictor->update_on_get(*keys[i], s.dict);
      i = (i + 1) & (kDraws - 1);
    }
  }
  set_counters(bm, s, 0);
}

// The keys a policy's victims are, as the traits predict them: the `count`
// keys at its victim end, in eviction order.
template <class State>
std::vector<typename State::Key> expected_victims(State& s, std::size_t count) {
  std::vector<typename State::Key> out;
  auto take = [&](auto it, auto end) {
    for (; it != end && out.size() < count; ++it) out.push_back(it.key());
  };
  if constexpr (State::Combo::Policy::kTraits.victim_end ==
                VictimEnd::kNewest) {
    take(s.dict.rbegin(), s.dict.rend());
  } else {
    take(s.dict.begin(), s.dict.end());
  }
  return out;
}

// One blocking put of `key` through the caller loop, all of it timed. The
// stored object is the one removed last, so memory stays flat; `spare` is
// stored (copied) when nothing was removed.
template <class State, class K>
std::size_t put_recycling(State& s, const K& key, const KVObject& spare) {
  KVObject obj;
  bool have = false;
  put_blocking(
      s.evictor, s.dict, key, kObjectBytes, s.scratch,
      [&]() -> KVObject&& {
        if (!have) obj = spare;
        return std::move(obj);
      },
      [&](KVObject&& removed) {
        obj = std::move(removed);
        have = true;
      });
  return s.scratch.status == PutStatus::kIllegal ? 0
                                                 : s.scratch.evict_keys.size();
}

// evictions:1. The key stream keeps every put a put of a new key into a full
// cache: a policy that evicts its oldest entries takes the ring of 2n keys
// (the key put next was evicted n puts ago); one that evicts its newest
// alternates two outside keys (each put evicts the other one).
template <class Combo, class K>
void BM_PutOneEviction(benchmark::State& bm, KVKind kind, std::size_t n) {
  constexpr PolicyTraits kTraits = Combo::Policy::kTraits;
  constexpr bool kNewest = kTraits.victim_end == VictimEnd::kNewest;
  auto& s = cache_state<Combo, K>(kind, n, /*unhit=*/true);
  s.restore_order();
  const KVObject spare = object_pool(kind, n)[0];
  const std::size_t ring = 2 * n;

  // Check one put: it evicts exactly the key the traits name and stays full.
  {
    const auto expected = expected_victims(s, kTraits.evicts ? 1 : 0);
    const std::size_t evicted = put_recycling(s, s.outside(0), spare);
    if constexpr (kTraits.evicts) {
      if (evicted != 1 || s.scratch.evict_keys != expected ||
          s.dict.size() != n ||
          current_of(s) != static_cast<double>(s.max_bytes())) {
        bm.SkipWithError(
            fmt::format("evictions:1 put did not evict exactly the {} key",
                        victim_end_name(kTraits.victim_end))
                .c_str());
        return;
      }
    } else if (evicted != 0) {
      bm.SkipWithError("a put of a policy that never evicts evicted");
      return;
    }
  }

  std::size_t evictions = 0;
  if constexpr (kNewest) {
    // outside(0) is resident now, the newest; outside(1) evicts it, and so on.
    const K* alternate[2] = {&s.outside(1), &s.outside(0)};
    std::size_t which = 0;
    {
      MeasuredRegion region;
      for (auto _ : bm) {
        evictions += put_recycling(s, *alternate[which], spare);
        which ^= 1;
      }
    }
    // The newest resident is the last key put: replace it by resident(n - 1),
    // which the first put evicted, to restore the window.
    const K& last = *alternate[which ^ 1];
    KVObject obj = s.evictor.remove(s.dict, last);
    s.evictor.store(s.dict, s.resident(n - 1), std::move(obj));
  } else {
    ++s.offset;
    std::size_t next = (s.offset + n) % ring;
    {
      MeasuredRegion region;
      for (auto _ : bm) {
        evictions += put_recycling(s, s.pool[next], spare);
        next = next + 1 == ring ? 0 : next + 1;
      }
    }
    s.offset = (next + ring - n) % ring;
    if constexpr (!kTraits.evicts) {
      // Nothing was evicted: drop what accumulated so the shared state is a
      // window of n keys again.
      while (s.dict.size() > n) s.evictor.remove(s.dict, s.dict.front_key());
      s.order_dirty = true;
    }
  }
  set_counters(bm, s, evictions);
}

// evictions:1 and evictions:8 for a policy whose victims follow no dict
// order (frequency, ghost lists, the future): any stream of keys that are not
// resident keeps every put a put of a new key into a full cache. `free_keys`
// holds the keys that are not resident; a put takes one and its victim
// takes the freed slot (swapped, so no key is copied or freed). The state is
// left with other keys resident than the invariant's, so it is rebuilt for
// the next case.
template <class Combo, class K>
void BM_PutOneEvictionAnyVictim(benchmark::State& bm, KVKind kind,
                                std::size_t n) {
  using Policy = typename Combo::Policy;
  auto& s = cache_state<Combo, K>(kind, n, /*unhit=*/true);
  const KVObject spare = object_pool(kind, n)[0];
  std::vector<K> free_keys;
  free_keys.reserve(n);
  for (std::size_t j = 0; j < n; ++j) free_keys.push_back(s.outside(j));
  s.stale = true;
  std::size_t slot = 0, op = 0;
  auto put = [&] {
    tell_future<decltype(s.evictor), Policy>(s.evictor, op++);
    const std::size_t evicted = put_recycling(s, free_keys[slot], spare);
    if (evicted == 1) std::swap(free_keys[slot], s.scratch.evict_keys[0]);
    slot = slot + 1 == n ? 0 : slot + 1;
    return evicted;
  };

  // Check one put: one victim, resident before and not after, the new key
  // stored, the cache still full.
  {
    const K key = free_keys[0];
    const std::size_t evicted = put();
    const K& victim = free_keys[0];
    if (evicted != 1 || victim == key || !s.dict.contains(key) ||
        s.dict.contains(victim) || s.dict.size() != n ||
        current_of(s) != static_cast<double>(s.max_bytes())) {
      bm.SkipWithError(
          "evictions:1 put into a full cache did not evict exactly one "
          "resident key");
      return;
    }
  }
  std::size_t evictions = 0;
  {
    MeasuredRegion region;
    for (auto _ : bm) evictions += put();
  }
  set_counters(bm, s, evictions);
}

// One put of an object of 8 sizes evicts 8 resident entries; the put is
// undone after each (the big object removed, the 8 victims put back through
// the caller loop, as a user would), so the policy's state is a steady one
// of n small objects.
template <class Combo, class K>
void BM_PutEightEvictionsAnyVictim(benchmark::State& bm, KVKind kind,
                                   std::size_t n) {
  using Policy = typename Combo::Policy;
  auto& s = cache_state<Combo, K>(kind, n, /*unhit=*/true);
  s.stale = true;
  constexpr std::int64_t kBig = 8 * kObjectBytes;
  KVObject big = make_objects(kind, 1, kBig)[0];
  std::vector<KVObject> popped(8);
  std::vector<K> victims;
  PutResult<K> undo_scratch;
  const K& key = s.outside(0);
  std::size_t op = 0;
  auto put = [&] {
    std::size_t e = 0;
    tell_future<decltype(s.evictor), Policy>(s.evictor, op++);
    put_blocking(
        s.evictor, s.dict, key, kBig, s.scratch,
        [&]() -> KVObject&& { return std::move(big); },
        [&](KVObject&& removed) {
          if (e < popped.size()) popped[e++] = std::move(removed);
        });
    return s.scratch.evict_keys.size();
  };
  auto undo = [&] {
    big = s.evictor.remove(s.dict, key);
    victims.swap(s.scratch.evict_keys);
    for (std::size_t e = 0; e < victims.size() && e < popped.size(); ++e) {
      tell_future<decltype(s.evictor), Policy>(s.evictor, op++);
      put_blocking(
          s.evictor, s.dict, victims[e], kObjectBytes, undo_scratch,
          [&]() -> KVObject&& { return std::move(popped[e]); },
          [](KVObject&&) {});
    }
  };

  {
    const std::size_t evicted = put();
    bool ok = s.scratch.status == PutStatus::kLegal && evicted == 8 &&
              s.dict.size() == n - 7 &&
              current_of(s) == static_cast<double>(s.max_bytes());
    for (const K& v : s.scratch.evict_keys) ok = ok && !s.dict.contains(v);
    undo();
    if (!ok || s.dict.size() != n ||
        current_of(s) != static_cast<double>(s.max_bytes())) {
      bm.SkipWithError(
          "evictions:8 put did not evict exactly 8 resident keys, or its undo "
          "did not refill the cache");
      return;
    }
  }
  std::size_t evictions = 0;
  {
    MeasuredRegion region;
    while (bm.KeepRunningBatch(1)) {
      evictions += put();
      region.pause(bm);
      undo();
      region.resume(bm);
    }
  }
  set_counters(bm, s, evictions);
}

template <class Combo, class K>
void BM_PutNoEviction(benchmark::State& bm, KVKind kind, std::size_t n) {
  using State = CacheState<Combo, K>;
  auto& s = cache_state<Combo, K>(kind, n);
  s.restore_order();
  // A second evictor over the same dict whose limit is never reached.
  typename State::Evictor filler(1 << 20);  // 1 PiB
  const std::size_t batch = std::min<std::size_t>(n, 1024);
  std::vector<KVObject> fresh(batch, object_pool(kind, n)[0]);
  PutResult<K> scratch;

  auto put = [&](std::size_t j) {
    put_blocking(
        filler, s.dict, s.outside(j), kObjectBytes, scratch,
        [&]() -> KVObject&& { return std::move(fresh[j]); }, [](KVObject&&) {});
    return scratch.status == PutStatus::kLegal && scratch.evict_keys.empty();
  };
  auto undo = [&](std::size_t count) {
    for (std::size_t j = 0; j < count; ++j) {
      fresh[j] = filler.remove(s.dict, s.outside(j));
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

// evictions:8: an object of 8 sizes evicts 8 entries. A policy that evicts
// its oldest takes a batch of puts, each evicting the next 8 oldest; one that
// evicts its newest would evict the previous put's big object, so it is
// undone after every put (batch of 1; the pause then costs more wall time,
// not measured time).
template <class Combo, class K>
void BM_PutEightEvictions(benchmark::State& bm, KVKind kind, std::size_t n) {
  constexpr bool kNewest =
      Combo::Policy::kTraits.victim_end == VictimEnd::kNewest;
  auto& s = cache_state<Combo, K>(kind, n, /*unhit=*/true);
  s.restore_order();
  // n/16 puts evict n/2 keys; capped so that undoing a batch (untimed, but
  // it costs wall time) stays small at 2^20 entries and above.
  const std::size_t batch =
      kNewest ? 1 : std::clamp<std::size_t>(n / 16, 1, 4096);
  constexpr std::int64_t kBig = 8 * kObjectBytes;
  std::vector<KVObject> bigs(batch, make_objects(kind, 1, kBig)[0]);
  std::vector<KVObject> popped(8 * batch);
  // The resident rank of the e-th object popped by a batch.
  auto rank_of = [&](std::size_t e) { return kNewest ? n - 1 - e : e; };

  auto put = [&](std::size_t j) {
    std::size_t e = 8 * j;  // outside keys: every removal is a victim
    put_blocking(
        s.evictor, s.dict, s.outside(j), kBig, s.scratch,
        [&]() -> KVObject&& { return std::move(bigs[j]); },
        [&](KVObject&& removed) {
          if (e < popped.size()) popped[e++] = std::move(removed);
        });
    return s.scratch.evict_keys.size();
  };
  // Undo `count` puts: remove the big objects, put the small ones back at
  // the victim end in their old order.
  auto undo = [&](std::size_t count) {
    for (std::size_t j = 0; j < count; ++j) {
      bigs[j] = s.evictor.remove(s.dict, s.outside(j));
    }
    for (std::size_t e = 8 * count; e-- > 0;) {
      s.evictor.store(s.dict, s.resident(rank_of(e)), std::move(popped[e]));
      if (!kNewest) s.dict.move_to_end(s.resident(rank_of(e)), /*last=*/false);
    }
  };

  {
    const auto expected = expected_victims(s, 8);
    put(0);
    const bool ok = s.scratch.status == PutStatus::kLegal &&
                    s.scratch.evict_keys == expected &&
                    s.dict.size() == n - 7 &&
                    current_of(s) == static_cast<double>(s.max_bytes());
    undo(1);
    if (!ok || s.dict.size() != n || !(s.dict.front_key() == s.resident(0)) ||
        !(s.dict.back_key() == s.resident(n - 1))) {
      bm.SkipWithError(
          fmt::format("evictions:8 put did not evict exactly the 8 {} keys",
                      victim_end_name(Combo::Policy::kTraits.victim_end))
              .c_str());
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

template <class Combo, class K>
void BM_PutIllegal(benchmark::State& bm, KVKind kind, std::size_t n) {
  auto& s = cache_state<Combo, K>(kind, n);
  const std::int64_t too_big = s.max_bytes() + 1;
  const K& key = s.outside(0);
  const double current_before = current_of(s);
  s.evictor.decide(s.dict, too_big, &key, s.scratch);
  if (s.scratch.status != PutStatus::kIllegal ||
      !s.scratch.evict_keys.empty() || current_of(s) != current_before ||
      s.dict.size() != n) {
    bm.SkipWithError("a put above the limit was not rejected cleanly");
    return;
  }
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      s.evictor.decide(s.dict, too_big, &key, s.scratch);
      benchmark::DoNotOptimize(s.scratch.status);
    }
  }
  set_counters(bm, s, 0);
}

template <class Combo, class K>
void register_for(const std::vector<std::size_t>& entries) {
  constexpr PolicyTraits kTraits = Combo::Policy::kTraits;
  // Victims from one end of the dict, in a policy whose order is the dict's,
  // have exact key streams and undo steps; any other policy takes the
  // *AnyVictim streams.
  constexpr bool kByOrder =
      kTraits.victim_end != VictimEnd::kNone && kTraits.order_in_dict;
  for (KVKind kind : kAllKVKinds) {
    for (std::size_t n : entries) {
      auto record = [&](const char* family, std::string variant) {
        return Case{family,
                    std::string(kTraits.name),
                    std::string(Combo::DictSel::kName),
                    std::string(kv_name(kind)),
                    std::string(key_name(key_kind_of<K>())),
                    n,
                    std::move(variant)};
      };
      for (bool zipf : {false, true}) {
        add(record("UpdateOnGet", zipf ? "dist:zipf" : "dist:uniform"),
            [=](benchmark::State& bm) {
              BM_UpdateOnGet<Combo, K>(bm, kind, n, zipf);
            });
      }
      add(record("UpdateOnPut", "evictions:0"), [=](benchmark::State& bm) {
        BM_PutNoEviction<Combo, K>(bm, kind, n);
      });
      add(record("UpdateOnPut", "evictions:1"), [=](benchmark::State& bm) {
        if constexpr (kByOrder || !kTraits.evicts) {
          BM_PutOneEviction<Combo, K>(bm, kind, n);
        } else {
          BM_PutOneEvictionAnyVictim<Combo, K>(bm, kind, n);
        }
      });
      if constexpr (kTraits.evicts) {
        add(record("UpdateOnPut", "evictions:8"), [=](benchmark::State& bm) {
          if constexpr (kByOrder) {
            BM_PutEightEvictions<Combo, K>(bm, kind, n);
          } else {
            BM_PutEightEvictionsAnyVictim<Combo, K>(bm, kind, n);
          }
        });
      }
      if constexpr (kTraits.may_reject_put) {
        add(record("UpdateOnPut", "status:illegal"), [=](benchmark::State& bm) {
          BM_PutIllegal<Combo, K>(bm, kind, n);
        });
      }
    }
  }
}

template <class... Combos>
void register_all(std::tuple<Combos...>*,
                  const std::vector<std::size_t>& entries) {
  (register_for<Combos, std::string>(entries), ...);
  (register_for<Combos, CacheEngineKey>(entries), ...);
  (register_for<Combos, HashedKey<std::string>>(entries), ...);
  (register_for<Combos, HashedKey<CacheEngineKey>>(entries), ...);
}

}  // namespace

// The matrix: every policy over the default dict, and `lru` (the subject of
// the dict comparison, docs/PERFORMANCE.md) over every dict. The full
// policy x dict product is the contract suite's (tests/); here it would
// triple the compile time of this file, which CI builds three times
// (release, gate self-test, profile), for cases no table reads.
template <class... Dicts>
using LRUOverEachDict = std::tuple<PolicyOverDict<LRUPolicy, Dicts>...>;
template <class... Policies>
using EachOverDefault = std::tuple<PolicyOverDict<Policies, DefaultDict>...>;
template <class Tuple, template <class...> class F>
struct Apply;
template <class... Ts, template <class...> class F>
struct Apply<std::tuple<Ts...>, F> {
  using type = F<Ts...>;
};
template <class Tuple>
struct DropFirst;
template <class T, class... Ts>
struct DropFirst<std::tuple<T, Ts...>> {
  using type = std::tuple<Ts...>;
};
static_assert(std::is_same_v<std::tuple_element_t<0, AllDicts>, DefaultDict>);
using BenchCombos = decltype(std::tuple_cat(
    std::declval<typename Apply<AllPolicies, EachOverDefault>::type>(),
    std::declval<typename Apply<typename DropFirst<AllDicts>::type,
                                LRUOverEachDict>::type>()));

void register_cache_benchmarks(const std::vector<std::size_t>& entries) {
  register_all(static_cast<BenchCombos*>(nullptr), entries);
}

}  // namespace evictlab::bench
