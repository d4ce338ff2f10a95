// BM_UpdateOnGet/<policy>/dict:<default>/kvobj/<key>/entries:<n>/
// dist:uniform/key:fresh: a hit as a serving engine makes it. Each operation
// builds the key from its parts (key_parts.h: a new CacheEngineKey with a
// new chunk-hash string and the engine's interned format and model name, its
// to_string() text written from all five parts, or either wrapped in a new
// HashedKey, whose hash is computed at construction and counted; never the
// stored key object or a copy of it), then asks `contains` and calls
// `update_on_get`, as LMCache's local backend does (`if key in dict:
// evictor.update_on_get(key, dict)`). Beside the shared-key cases of
// update_benchmarks.cc, whose probe is the very key object stored, so that a
// HashedKey's identity check always succeeds; here it never does, and the
// hit hashes the new key and compares its bytes.
//
// Every policy over the default dict, the kvobj values (the value is not
// read on a hit), every key kind; the cache is the one update_benchmarks.cc
// shares (cache_state.h).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>
#include <tuple>
#include <vector>

#include "bench/cache_benchmarks.h"
#include "bench/common/cache_state.h"
#include "bench/common/futures.h"
#include "bench/common/key_parts.h"
#include "bench/common/registry.h"

namespace evictlab::bench {
namespace {

template <class Combo, class K>
void BM_FreshKeyGet(benchmark::State& bm, std::size_t n) {
  using Policy = typename Combo::Policy;
  constexpr PolicyTraits kTraits = Policy::kTraits;
  auto& s = cache_state<Combo, K>(KVKind::kKVObj, n);
  // The parts of the drawn keys: the chunk hash of each draw's resident
  // key (the other parts are constants).
  const auto draws = uniform_draws(n);
  std::vector<std::string> hashes(draws.size());
  for (std::size_t i = 0; i < draws.size(); ++i) {
    hashes[i] = chunk_hash((s.offset + draws[i]) % (2 * n));
  }

  // Check before timing: the built key equals the stored one but is not it,
  // it hits, and the hit follows the traits (promote or leave the order).
  {
    const K& stored = s.resident(draws[0]);
    const K key = build_key<K>(hashes[0]);
    const K front_before = s.dict.front_key();
    const K back_before = s.dict.back_key();
    if (!(key == stored) || !s.dict.contains(key)) {
      bm.SkipWithError("a key built from its parts does not hit");
      return;
    }
    tell_future<Policy>(s.evictor, 0);
    s.evictor.update_on_get(key, s.dict);
    if constexpr (kTraits.per_entry_hit_state) s.hit_dirty = true;
    if constexpr (kTraits.promotes_on_hit) {
      s.order_dirty = true;
      if (!(s.dict.back_key() == stored)) {
        bm.SkipWithError("update_on_get did not promote the key to newest");
        return;
      }
    } else if (!(s.dict.front_key() == front_before) ||
               !(s.dict.back_key() == back_before)) {
      bm.SkipWithError(
          "update_on_get of a non-promoting policy changed the order");
      return;
    }
    if (s.dict.size() != n) {
      bm.SkipWithError("update_on_get changed the dict's size");
      return;
    }
  }

  // Through the BaseEvictor interface, as the shared-key cases call it; the
  // pointer is read back through a volatile so that the compiler cannot
  // devirtualize. NOTE: not benchmark::DoNotOptimize(evictor): Google
  // Benchmark 1.7.1's "+m,r" asm constraint let g++ 12 -O3 load a null
  // pointer here (UBSan: member access within null pointer), a known
  // problem of that constraint with GCC that later releases replaced.
  BaseEvictor<typename CacheState<Combo, K>::Dict>* volatile opaque =
      &s.evictor;
  BaseEvictor<typename CacheState<Combo, K>::Dict>* const evictor = opaque;
  std::size_t i = 0, misses = 0;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      tell_future<Policy>(s.evictor, i);
      const K key = build_key<K>(hashes[i]);
      if (s.dict.contains(key)) {
        evictor->update_on_get(key, s.dict);
      } else {
        ++misses;
      }
      i = (i + 1) & (kDraws - 1);
    }
  }
  if (misses != 0) {
    bm.SkipWithError(
        fmt::format("{} fresh-key lookups missed", misses).c_str());
    return;
  }
  bm.SetItemsProcessed(bm.iterations());
  bm.counters["evictions"] = benchmark::Counter(0);
  bm.counters["bytes_per_entry"] = benchmark::Counter(s.bytes_per_entry);
}

template <class Combo, class K>
void register_for(const std::vector<std::size_t>& entries) {
  for (std::size_t n : entries) {
    add(Case{"UpdateOnGet", std::string(Combo::Policy::kTraits.name),
             std::string(Combo::DictSel::kName),
             std::string(kv_name(KVKind::kKVObj)),
             std::string(key_name(key_kind_of<K>())), n,
             "dist:uniform/key:fresh"},
        [=](benchmark::State& bm) { BM_FreshKeyGet<Combo, K>(bm, n); });
  }
}

template <class... Policies>
void register_all(std::tuple<Policies...>*,
                  const std::vector<std::size_t>& entries) {
  (register_for<PolicyOverDict<Policies, DefaultDict>, std::string>(entries),
   ...);
  (register_for<PolicyOverDict<Policies, DefaultDict>, CacheEngineKey>(entries),
   ...);
  (register_for<PolicyOverDict<Policies, DefaultDict>, HashedKey<std::string>>(
       entries),
   ...);
  (register_for<PolicyOverDict<Policies, DefaultDict>,
                HashedKey<CacheEngineKey>>(entries),
   ...);
}

}  // namespace

void register_fresh_key_benchmarks(const std::vector<std::size_t>& entries) {
  register_all(static_cast<AllPolicies*>(nullptr), entries);
}

}  // namespace evictlab::bench
