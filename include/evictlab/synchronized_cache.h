// SynchronizedCache: one policy and its dict behind one lock, as LMCache's
// local backend holds them (a background put thread and the request threads
// call the evictor under one `update_lock`).
//
// Every public method takes the one absl::Mutex for its whole duration, so
// each is atomic with respect to every other: a `get` is contains +
// update_on_get + a copy of the value; a `put` is the whole caller loop
// (caller.h put_blocking: decide, remove the old object, remove the victims,
// store); `access` (the simulator's request) is a hit or, on a miss, that
// put; `pop`, `evict`, `pin` and `unpin` likewise. No sequence of two calls is
// atomic: `contains(k)` then `get(k)` may miss if another thread evicted k
// in between (use `get` alone, or `pin` first).
//
// Lock order: there is one lock, and no method calls out of the cache while
// holding it (no user callbacks; values are moved in before and handed back
// after). The policy, the dict, get_size and the key's hash run under it.
// The objects a put evicts or replaces and the object a pop removes are
// returned, so their destructors run in the caller, outside the lock;
// `access` alone (whose caller, the simulator, stores trivial objects)
// destroys its victims under the lock.
//
// Pins (pins.h): for a policy with exact accounting (PolicyTraits::
// exact_accounting; the reference `lru` and `dummy` have no pins), `pin(key)`
// keeps a resident key from being chosen as a victim until the matching
// `unpin(key)` (pins count: two readers pin twice). A pinned key is also not
// removed by `pop` and not replaced by `put` (ILLEGAL, nothing changes).
//
// Exceptions: whatever the policy throws (the reference `lru`'s
// CacheExhaustedError and KeyNotFoundError, see lru_evictor.h and caller.h)
// propagates with the lock released; the cache is left as the policy's own
// contract leaves its dict and evictor, and the objects removed before the
// throw are destroyed.
//
// A policy that needs future knowledge (Belady) is told `next_access` (the
// request index of the key's next access, -1 for none) under the lock before
// each get, hit, put and access; every other policy ignores it.
//
// Complexity: each call is the policy's own cost (O(1) amortized for most,
// see each policy's header) plus an uncontended lock (a compare-and-swap each
// way), except `audit`, which is O(size()). Under contention the calls are
// serialized: throughput does not grow with threads (docs/CONCURRENCY.md has
// the measurements, and ShardedCache is the cache that does).
//
// Thread-safety: thread-safe (all methods). Not movable or copyable (the
// mutex is not).
#ifndef EVICTLAB_SYNCHRONIZED_CACHE_H_
#define EVICTLAB_SYNCHRONIZED_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/config.h"
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "evictlab/caller.h"
#include "evictlab/dicts.h"
#include "evictlab/evictor.h"
#include "evictlab/internal/annotated_mutex.h"
#include "evictlab/kv_object.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

// The request index a future-knowledge policy is told when the caller has
// none: "never accessed again".
inline constexpr std::int64_t kNoNextAccess = -1;

// Whether an evictor offers LMCache v1's get_evict_candidates
// (`candidates(dict, n, pins, out)`).
template <class E, class Pins, class = void>
inline constexpr bool kHasCandidates = false;
template <class E, class Pins>
inline constexpr bool kHasCandidates<
    E, Pins,
    std::void_t<decltype(std::declval<E&>().candidates(
        std::declval<typename E::DictType&>(), std::size_t{},
        std::declval<const Pins&>(),
        std::declval<std::vector<typename E::DictType::key_type>&>()))>> = true;

template <class K, class V>
struct CacheEntry {
  K key;
  V value;
};

// What a put did.
template <class K, class V>
struct PutOutcome {
  PutStatus status = PutStatus::kLegal;
  // The new object is resident now. False on ILLEGAL, and when a policy
  // declines a legal insertion (s3fifo: an object of at least its small
  // queue's size), whose evictions stand.
  bool stored = false;
  // The key's previous object, when the key was resident.
  std::optional<V> replaced;
  // The victims with their objects, in the evictor's order.
  std::vector<CacheEntry<K, V>> evicted;
};

// What a simulator request did (access()).
struct AccessOutcome {
  bool hit = false;
  PutStatus status = PutStatus::kLegal;  // of the miss's put
};

// A consistent view of one cache, taken under its lock: for tests and
// monitoring.
struct CacheAudit {
  std::size_t entries = 0;        // dict.size()
  std::int64_t stored_bytes = 0;  // the sum of get_size over the dict
  // The evictor's current_cache_size(), for a policy that keeps one.
  std::optional<double> current;
  std::size_t pinned_keys = 0;
  std::int64_t pinned_bytes = 0;
};

template <class Policy, class K, class V, class DictSel = DefaultDict>
class alignas(ABSL_CACHELINE_SIZE) SynchronizedCache {
 public:
  using key_type = K;
  using mapped_type = V;
  using Dict = typename DictSel::template Type<K, V>;
  using Evictor = typename Policy::template Evictor<Dict>;
  using Entry = CacheEntry<K, V>;
  using Outcome = PutOutcome<K, V>;
  static constexpr PolicyTraits kTraits = Policy::kTraits;
  // Pins need the evictor's own accounting (pins.h).
  static constexpr bool kHasPins = kTraits.exact_accounting && kTraits.evicts;
  using Pins = std::conditional_t<kHasPins, CountedPins<K>, NoPins>;
  static constexpr bool kCanEvict = kHasCandidates<Evictor, Pins>;

  // A cache of `capacity_bytes` (exact up to 2^53; the evictors take a limit
  // in GiB as a double). Throws ConfigError for a bad limit or parameter.
  explicit SynchronizedCache(std::int64_t capacity_bytes,
                             const PolicyParams& params = {})
      : capacity_(capacity_bytes),
        evictor_(make_evictor<Evictor>(
            static_cast<double>(capacity_bytes) / 1073741824.0, params)) {}
  SynchronizedCache(const SynchronizedCache&) = delete;
  SynchronizedCache& operator=(const SynchronizedCache&) = delete;

  std::int64_t capacity() const { return capacity_; }

  // Whether `key` is resident. Does not promote (LMCache's `contains`).
  bool contains(const K& key) const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::AnnotatedMutexLock lock(&mu_);
    return dict_.contains(key);
  }

  // A hit of `key` if resident (update_on_get: promotes or not, as the
  // policy says), without copying the value; false, and nothing changes,
  // when absent.
  bool hit(const K& key, std::int64_t next_access = kNoNextAccess)
      ABSL_LOCKS_EXCLUDED(mu_) {
    internal::AnnotatedMutexLock lock(&mu_);
    tell_future(next_access);
    return hit_if_resident(evictor_, dict_, key);
  }

  // LMCache's get: on a hit, update_on_get and a copy of the object;
  // nullopt, and nothing changes, when absent.
  std::optional<V> get(const K& key, std::int64_t next_access = kNoNextAccess)
      ABSL_LOCKS_EXCLUDED(mu_) {
    internal::AnnotatedMutexLock lock(&mu_);
    tell_future(next_access);
    if (!hit_if_resident(evictor_, dict_, key)) return std::nullopt;
    return *dict_.find(key);
  }

  // LMCache's blocking put of `value` (`size` bytes as the policy counts
  // them) through the one caller loop. A pinned key is not replaced
  // (ILLEGAL, nothing changes).
  Outcome put(const K& key, V value, std::int64_t size,
              std::int64_t next_access = kNoNextAccess)
      ABSL_LOCKS_EXCLUDED(mu_) {
    Outcome out;
    put(key, std::move(value), size, out, next_access);
    return out;
  }
  // The same, into `out`, reusing its storage (a put loop then allocates
  // nothing per put for its outcome). `out`'s previous objects are
  // destroyed before the lock is taken.
  void put(const K& key, V value, std::int64_t size, Outcome& out,
           std::int64_t next_access = kNoNextAccess) ABSL_LOCKS_EXCLUDED(mu_) {
    out.evicted.clear();
    out.replaced.reset();
    out.stored = false;
    internal::AnnotatedMutexLock lock(&mu_);
    if (pins_.pinned(key)) {
      out.status = PutStatus::kIllegal;
      return;
    }
    tell_future(next_access);
    const bool was_resident = dict_.contains(key);
    std::size_t removed = 0;
    out.status = put_blocking(
        evictor_, dict_, key, size, scratch_, pins_,
        [&]() -> V&& { return std::move(value); },
        [&](V&& old) {
          // The old object of `key` comes first, then the victims' in
          // scratch_.evict_keys order (caller.h).
          if (was_resident && removed == 0) {
            out.replaced.emplace(std::move(old));
          } else {
            const std::size_t i = removed - (was_resident ? 1 : 0);
            out.evicted.push_back({scratch_.evict_keys[i], std::move(old)});
          }
          ++removed;
        });
    out.stored = out.status == PutStatus::kLegal && dict_.contains(key);
  }

  // The simulator's request (sim/replay.h), atomically: a hit if resident,
  // else a put of the object (`size` bytes) whose victims are dropped, under
  // the lock. Equal, request for request, to the unsynchronized replay loop.
  AccessOutcome access(const K& key, std::int64_t size, V value,
                       std::int64_t next_access = kNoNextAccess)
      ABSL_LOCKS_EXCLUDED(mu_) {
    AccessOutcome out;
    internal::AnnotatedMutexLock lock(&mu_);
    tell_future(next_access);
    if (hit_if_resident(evictor_, dict_, key)) {
      out.hit = true;
      return out;
    }
    auto make = [&]() -> V&& { return std::move(value); };
    if (pins_empty()) {
      out.status = put_new(evictor_, dict_, key, size, scratch_, make);
    } else {
      out.status = put_blocking(evictor_, dict_, key, size, scratch_, pins_,
                                make, [](V&&) {});
    }
    return out;
  }

  // LMCache's remove: the object of `key`, removed through the evictor.
  // nullopt, and nothing changes, when `key` is absent or pinned.
  std::optional<V> pop(const K& key) ABSL_LOCKS_EXCLUDED(mu_) {
    internal::AnnotatedMutexLock lock(&mu_);
    if (pins_.pinned(key) || !dict_.contains(key)) return std::nullopt;
    return evictor_.remove(dict_, key);
  }

  // Removes up to `n` victims the policy chooses (LMCache v1's
  // get_evict_candidates, then the removals), pins respected; fewer when
  // fewer are evictable. Only for a policy that offers candidates().
  template <bool kEnabled = kCanEvict, std::enable_if_t<kEnabled, int> = 0>
  std::vector<Entry> evict(std::size_t n) ABSL_LOCKS_EXCLUDED(mu_) {
    std::vector<Entry> out;
    internal::AnnotatedMutexLock lock(&mu_);
    evictor_.candidates(dict_, n, pins_, candidates_);
    out.reserve(candidates_.size());
    for (const K& victim : candidates_) {
      out.push_back({victim, evictor_.remove(dict_, victim)});
    }
    return out;
  }

  // Pins `key` if resident (returns false, and changes nothing, if absent).
  template <bool kEnabled = kHasPins, std::enable_if_t<kEnabled, int> = 0>
  bool pin(const K& key) ABSL_LOCKS_EXCLUDED(mu_) {
    internal::AnnotatedMutexLock lock(&mu_);
    const V* value = dict_.find(key);
    if (value == nullptr) return false;
    pins_.pin(key, evictlab::get_size(*value));
    return true;
  }
  // Undoes one pin(key); false if `key` was not pinned.
  template <bool kEnabled = kHasPins, std::enable_if_t<kEnabled, int> = 0>
  bool unpin(const K& key) ABSL_LOCKS_EXCLUDED(mu_) {
    internal::AnnotatedMutexLock lock(&mu_);
    const V* value = dict_.find(key);  // a pinned key is resident
    if (value == nullptr) return false;
    return pins_.unpin(key, evictlab::get_size(*value));
  }

  std::size_t size() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::AnnotatedMutexLock lock(&mu_);
    return dict_.size();
  }

  // O(size()) under the lock.
  CacheAudit audit() const ABSL_LOCKS_EXCLUDED(mu_) {
    CacheAudit a;
    internal::AnnotatedMutexLock lock(&mu_);
    a.entries = dict_.size();
    // NOTE: NaiveOrderedDict iterates through non-const begin()/end() only;
    // iterating changes nothing.
    for (const auto item : const_cast<Dict&>(dict_)) {
      a.stored_bytes += evictlab::get_size(item.value);
    }
    if constexpr (kKeepsCurrentSize<Evictor>) {
      a.current = static_cast<double>(evictor_.current_cache_size());
    }
    if constexpr (kHasPins) {
      a.pinned_keys = pins_.size();
      a.pinned_bytes = pins_.pinned_bytes();
    }
    return a;
  }

  // The resident keys in the dict's order (a copy; O(size())).
  std::vector<K> keys() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::AnnotatedMutexLock lock(&mu_);
    return dict_.keys();
  }

 private:
  void tell_future(std::int64_t next_access)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if constexpr (kTraits.needs_future_knowledge) {
      evictor_.set_next_access(next_access);
    } else {
      (void)next_access;
    }
  }
  bool pins_empty() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if constexpr (kHasPins) {
      return pins_.empty();
    } else {
      return true;
    }
  }

  const std::int64_t capacity_;
  mutable absl::Mutex mu_;
  Dict dict_ ABSL_GUARDED_BY(mu_);
  Evictor evictor_ ABSL_GUARDED_BY(mu_);
  Pins pins_ ABSL_GUARDED_BY(mu_);
  // Reused across calls, so a put allocates nothing of its own.
  PutResult<K> scratch_ ABSL_GUARDED_BY(mu_);
  std::vector<K> candidates_ ABSL_GUARDED_BY(mu_);
};

}  // namespace evictlab

#endif  // EVICTLAB_SYNCHRONIZED_CACHE_H_
