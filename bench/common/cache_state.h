// A full cache under one policy over one dict, built once and shared by every
// benchmark case that can use it (gets, puts, rejections), so that building
// 2^20 entries does not dominate a run. Inputs (keys, objects) are shared
// across policies and dicts too.
//
// Invariant between cases: the resident keys are pool[offset .. offset+n)
// (mod 2n). Cases that reorder the dict (gets) set `order_dirty`; cases that
// need insertion order (puts) call restore_order() first. Cases that add or
// remove entries (evictions:0, evictions:8) put them back before returning.
//
// NOT thread-safe (benchmarks run single-threaded).
#ifndef EVICTLAB_BENCH_COMMON_CACHE_STATE_H_
#define EVICTLAB_BENCH_COMMON_CACHE_STATE_H_

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/common/registry.h"
#include "bench/common/workload.h"
#include "evictlab/caller.h"
#include "evictlab/registry.h"

namespace evictlab::bench {

// Keys and objects for one size, shared by all policies.
template <class K>
const std::vector<K>& key_pool(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<std::vector<K>>> pools;
  auto& pool = pools[n];
  if (!pool) {
    pool = std::make_unique<std::vector<K>>();
    pool->reserve(2 * n);
    for (std::size_t i = 0; i < 2 * n; ++i) pool->push_back(make_key<K>(i));
  }
  return *pool;
}

const std::vector<KVObject>& object_pool(KVKind kind, std::size_t n);

// Heap one copy of `n` keys and `n` objects own outside their own sizeof
// (string buffers, tensor impls, byte buffers), per entry.
template <class K>
double external_bytes_per_entry(KVKind kind, std::size_t n) {
  // Measured once per (key type, kind, size): every policy shares it.
  static std::map<std::pair<KVKind, std::size_t>, double> measured;
  if (auto it = measured.find({kind, n}); it != measured.end()) {
    return it->second;
  }
  const auto& keys = key_pool<K>(n);
  const auto& objects = object_pool(kind, n);
  std::vector<std::pair<K, KVObject>> copy;
  copy.reserve(n);
  const std::size_t before = heap_in_use();
  for (std::size_t i = 0; i < n; ++i) copy.emplace_back(keys[i], objects[i]);
  const std::size_t after = heap_in_use();
  return measured[{kind, n}] =
             static_cast<double>(after - before) / static_cast<double>(n);
}

// `Combo` is a PolicyOverDict (registry.h).
template <class ComboT, class K>
struct CacheState {
  using Combo = ComboT;
  using Key = K;
  using V = KVObject;
  using Dict = typename Combo::template Dict<K, V>;
  using Evictor = typename Combo::template Evictor<K, V>;

  CacheState(KVKind kind, std::size_t entries)
      : kv(kind),
        n(entries),
        pool(key_pool<K>(entries)),
        evictor(max_gb(entries)) {
    const auto& objects = object_pool(kind, n);
    const double external = external_bytes_per_entry<K>(kind, n);
    const std::size_t before = heap_in_use();
    for (std::size_t i = 0; i < n; ++i) {
      put_blocking(evictor, dict, pool[i], objects[i], kObjectBytes, scratch);
    }
    const std::size_t after = heap_in_use();
    // Everything the dict and evictor hold per entry beyond the key and the
    // value themselves (their sizeof and their own heap).
    bytes_per_entry =
        static_cast<double>(after - before) / static_cast<double>(n) -
        external - sizeof(K) - sizeof(V);
  }

  // MAX = n * kObjectBytes exactly (a power of two times 2^-30 is exact).
  static double max_gb(std::size_t entries) {
    return static_cast<double>(entries) * kObjectBytes / 1073741824.0;
  }
  std::int64_t max_bytes() const {
    return static_cast<std::int64_t>(n) * kObjectBytes;
  }

  const K& resident(std::size_t r) const {
    return pool[(offset + r) % (2 * n)];
  }
  const K& outside(std::size_t j) const {  // j < n: not resident
    return pool[(offset + n + j) % (2 * n)];
  }

  // Puts the resident keys back in insertion order (after gets). O(n).
  void restore_order() {
    if (!order_dirty) return;
    for (std::size_t r = 0; r < n; ++r) dict.move_to_end(resident(r));
    order_dirty = false;
  }

  KVKind kv;
  std::size_t n;
  const std::vector<K>& pool;
  Dict dict;
  Evictor evictor;
  std::size_t offset = 0;
  bool order_dirty = false;
  // Hits left per-entry state (PolicyTraits::per_entry_hit_state).
  bool hit_dirty = false;
  // A case left other keys resident than the invariant's (a policy whose
  // victims follow no dict order): rebuilt before the next case uses it.
  bool stale = false;
  double bytes_per_entry = 0;
  PutResult<K> scratch;
  // case_serial() when built (registry.h fresh_state_per_case).
  std::uint64_t built_in_case = 0;
};

// The shared state of (Combo, K, kind, n), built on first use. `unhit`:
// rebuilt first if hits left per-entry state in it (a put case that expects
// the victims of a cache without hits).
template <class Combo, class K>
CacheState<Combo, K>& cache_state(KVKind kind, std::size_t n,
                                  bool unhit = false) {
  static std::map<std::pair<KVKind, std::size_t>,
                  std::unique_ptr<CacheState<Combo, K>>>
      states;
  auto& state = states[{kind, n}];
  if (state &&
      (state->stale || (unhit && state->hit_dirty) ||
       (fresh_state_per_case() && state->built_in_case != case_serial()))) {
    state.reset();
  }
  if (!state) {
    state = std::make_unique<CacheState<Combo, K>>(kind, n);
    state->built_in_case = case_serial();
  }
  return *state;
}

}  // namespace evictlab::bench

#endif  // EVICTLAB_BENCH_COMMON_CACHE_STATE_H_
