// The policy registry: every policy the lab knows, in one list.
//
// A policy names its dict and evictor types and how a caller stores and
// removes objects under it. Typed tests and benchmarks iterate over
// `AllPolicies`, so adding a policy is one header, one line here, and it joins
// the conformance suite and the benchmark matrix.
#ifndef EVICTLAB_POLICIES_H_
#define EVICTLAB_POLICIES_H_

#include <cstdint>
#include <string_view>
#include <tuple>
#include <utility>

#include "evictlab/dummy_evictor.h"
#include "evictlab/lru_evictor.h"
#include "evictlab/naive_ordered_dict.h"
#include "evictlab/node_ordered_dict.h"
#include "evictlab/ordered_dict.h"
#include "evictlab/strict_lru_evictor.h"

namespace evictlab {

// Hooks shared by the policies whose caller mutates the dict directly (the
// original's contract: the evictor is never told).
template <template <class, class, class...> class DictT,
          template <class> class EvictorT>
struct CallerOwnedPolicy {
  template <class K, class V>
  using Dict = DictT<K, V>;
  template <class K, class V>
  using Evictor = EvictorT<Dict<K, V>>;

  template <class E, class D, class K>
  static void decide(E& evictor, D& dict, std::int64_t size, const K& /*key*/,
                     PutResult<K>& result) {
    if constexpr (std::is_same_v<E, LRUEvictor<D>>) {
      evictor.update_on_put(dict, size, result);
    } else {
      result = evictor.update_on_put(dict, size);
    }
  }
  template <class E, class D, class K, class V>
  static void store(E& /*evictor*/, D& dict, const K& key, V&& value) {
    dict.set(key, std::forward<V>(value));
  }
  template <class E, class D, class K>
  static auto remove(E& /*evictor*/, D& dict, const K& key) {
    return dict.pop(key);
  }
};

struct DummyPolicy : CallerOwnedPolicy<OrderedDict, DummyEvictor> {
  static constexpr std::string_view kName = "dummy";
  template <class K, class V>
  static Evictor<K, V> make_evictor(double /*max_cache_size_gb*/) {
    return {};
  }
};

struct LRUPolicy : CallerOwnedPolicy<OrderedDict, LRUEvictor> {
  static constexpr std::string_view kName = "lru";
  template <class K, class V>
  static Evictor<K, V> make_evictor(double max_cache_size_gb) {
    return Evictor<K, V>(max_cache_size_gb);
  }
};

// The structure the flat OrderedDict replaced, kept for comparison: the
// reference LRU over absl::node_hash_map + an intrusive list.
struct NodeLRUPolicy : CallerOwnedPolicy<NodeOrderedDict, LRUEvictor> {
  static constexpr std::string_view kName = "lru_node";
  template <class K, class V>
  static Evictor<K, V> make_evictor(double max_cache_size_gb) {
    return Evictor<K, V>(max_cache_size_gb);
  }
};

// The baseline: the reference LRU over a hand-written std::list +
// std::unordered_map dict.
struct NaiveLRUPolicy : CallerOwnedPolicy<NaiveOrderedDict, LRUEvictor> {
  static constexpr std::string_view kName = "naive_lru";
  template <class K, class V>
  static Evictor<K, V> make_evictor(double max_cache_size_gb) {
    return Evictor<K, V>(max_cache_size_gb);
  }
};

struct StrictLRUPolicy {
  static constexpr std::string_view kName = "lru_strict";
  template <class K, class V>
  using Dict = OrderedDict<K, V>;
  template <class K, class V>
  using Evictor = StrictLRUEvictor<Dict<K, V>>;

  template <class K, class V>
  static Evictor<K, V> make_evictor(double max_cache_size_gb) {
    return Evictor<K, V>(max_cache_size_gb);
  }
  template <class E, class D, class K>
  static void decide(E& evictor, D& dict, std::int64_t size, const K& key,
                     PutResult<K>& result) {
    evictor.update_on_put(dict, size, &key, result);
  }
  template <class E, class D, class K, class V>
  static void store(E& evictor, D& dict, const K& key, V value) {
    evictor.set(dict, key, std::move(value));
  }
  template <class E, class D, class K>
  static auto remove(E& evictor, D& dict, const K& key) {
    return evictor.pop(dict, key);
  }
};

using AllPolicies = std::tuple<DummyPolicy, LRUPolicy, StrictLRUPolicy,
                               NodeLRUPolicy, NaiveLRUPolicy>;

// The local CPU backend's blocking put (lmcache LocalBackend.put, blocking):
// ask the evictor; on ILLEGAL drop the put; remove an existing `key`; remove
// every evicted key; store the new object. Returns the evictor's status.
// Under reference policies a key that is both evicted and re-put is removed
// twice, which throws KeyNotFoundError exactly as the original's caller does.
template <class Policy, class E, class D, class K, class V>
PutStatus put_blocking(E& evictor, D& dict, const K& key, V value,
                       std::int64_t size, PutResult<K>& scratch) {
  Policy::decide(evictor, dict, size, key, scratch);
  if (scratch.status == PutStatus::kIllegal) return scratch.status;
  if (dict.contains(key)) Policy::remove(evictor, dict, key);
  for (const K& evicted : scratch.evict_keys) {
    Policy::remove(evictor, dict, evicted);
  }
  Policy::store(evictor, dict, key, std::move(value));
  return scratch.status;
}

}  // namespace evictlab

#endif  // EVICTLAB_POLICIES_H_
