// LRUEvictor, reference mode: port of lmcache's LRUEvictor, flaws included.
// Policy `lru`.
//
// Everything observable matches the original (checked by the golden traces):
// - `MAX_CACHE_SIZE = int(max_cache_size_gb * 1024**3)` (truncated double).
// - `current_cache_size()` is a double: `update_on_put` adds the incoming
//   size and subtracts the size of every key it asks the caller to evict.
// - Strict comparisons: `size > MAX` is ILLEGAL, `size == MAX` is legal; the
//   walk evicts while `size + current > MAX`.
// - The evictor is never told when the caller replaces or removes a key, so
//   `current` drifts on overwrite (see StrictLRUEvictor for a port without
//   the flaws).
// - The returned keys may include a key the caller is about to re-put.
// - When the walk runs off the end of the dict while still over the limit,
//   `update_on_put` throws CacheExhaustedError (the original's StopIteration)
//   *after* having subtracted the sizes of every key it visited; the list of
//   keys is lost, and `current` is left as the original leaves it.
// - Negative sizes are not rejected; they flow into the accounting.
//
// NOT thread-safe.
#ifndef EVICTLAB_LRU_EVICTOR_H_
#define EVICTLAB_LRU_EVICTOR_H_

#include <cstdint>
#include <utility>

#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict>
class LRUEvictor final : public BaseEvictor<Dict>,
                         public CallerOwnedStorage<Dict> {
 public:
  using key_type = typename Dict::key_type;

  // Throws ConfigError (field `max_cache_size_gb`) for NaN, infinity or a
  // limit outside int64. A negative limit is accepted, as in the original
  // (every put is then ILLEGAL).
  explicit LRUEvictor(double max_cache_size_gb = 10.0)
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)) {}

  // Port of LRUEvictor.update_on_get: `cache_dict.move_to_end(key)`.
  // Promotes `key` to newest. O(1). Throws KeyNotFoundError (the original's
  // KeyError) when `key` is not in the dict; the dict is then unchanged.
  void update_on_get(const key_type& key, Dict& cache_dict) override {
#ifdef EVICTLAB_SLOWDOWN_UPDATE_ON_GET
    // NOTE: only in the gate's self-test build (EVICTLAB_GATE_SELFTEST):
    // deliberate extra work the instruction-count gate must catch.
    for (volatile int i = 0; i < EVICTLAB_SLOWDOWN_UPDATE_ON_GET; i = i + 1) {
    }
#endif
    cache_dict.move_to_end(key);
  }

  // Port of LRUEvictor.update_on_put. Does not promote or modify the dict.
  // O(1 + number of evicted keys), each costing one get_size on the stored
  // object. Throws CacheExhaustedError as described above, and whatever
  // get_size throws for an unsupported stored object (after the same partial
  // accounting).
  PutResult<key_type> update_on_put(Dict& cache_dict,
                                    std::int64_t cache_size) override {
    PutResult<key_type> result;
    update_on_put(cache_dict, cache_size, result);
    return result;
  }

  // The simulator's hit path (evictor.h hit_if_resident): update_on_get of
  // a resident key, in one probe; false (nothing changes) when absent.
  bool hit(Dict& cache_dict, const key_type& key) {
    return move_to_end_if_present(cache_dict, key);
  }

  // The caller loop's update_on_put (caller.h): the same, reusing
  // `result`'s storage (`evict_keys` is cleared first). The original is not
  // told the incoming key, so `incoming_key` is ignored.
  void decide(Dict& cache_dict, std::int64_t cache_size,
              const key_type* /*incoming_key*/, PutResult<key_type>& result) {
    update_on_put(cache_dict, cache_size, result);
  }
  // decide with pins (pins.h), which the original does not have; the KV
  // simulator (sim/kv_replay.h) pins a request's blocks. The same walk from
  // the oldest entry, passing over pinned keys; ILLEGAL, with nothing
  // changed, when even evicting every unpinned entry leaves no room
  // (incoming + pinned bytes > MAX). O(1 + evicted + pinned keys passed).
  template <class Pins>
  void decide(Dict& cache_dict, std::int64_t cache_size,
              const key_type* /*incoming_key*/, PutResult<key_type>& result,
              const Pins& pins) {
    result.evict_keys.clear();
    const double incoming = static_cast<double>(cache_size);
    if (cache_size > max_cache_size_ ||
        py_float_greater_than_int(
            incoming + static_cast<double>(pins.pinned_bytes()),
            max_cache_size_)) {
      result.status = PutStatus::kIllegal;
      return;
    }
    result.status = PutStatus::kLegal;
    double current = current_cache_size_;
    auto it = cache_dict.begin();
    const auto end = cache_dict.end();
    while (py_float_greater_than_int(incoming + current, max_cache_size_)) {
      if (it == end) {
        result.evict_keys.clear();
        result.status = PutStatus::kIllegal;
        return;
      }
      if (!pins.pinned(it.key())) {
        current -= static_cast<double>(evictlab::get_size(it.value()));
        result.evict_keys.push_back(it.key());
      }
      ++it;
    }
    current_cache_size_ = current + incoming;
  }

  // The KV simulator's miss path (evictor.h decide_best_effort): the same
  // walk from the oldest entry, passing over pinned keys, without the
  // up-front check. When it runs off the end, every unpinned key is a
  // victim and the answer is ILLEGAL; `current` then drops by the victims'
  // sizes only (nothing is reserved, as nothing will be stored). A size
  // above MAX is ILLEGAL with nothing changed. O(1 + evicted + pinned keys
  // passed).
  template <class Pins>
  void decide_best_effort(Dict& cache_dict, std::int64_t cache_size,
                          const key_type* /*incoming_key*/,
                          PutResult<key_type>& result, const Pins& pins) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    if (cache_size > max_cache_size_) return;
    const double incoming = static_cast<double>(cache_size);
    double current = current_cache_size_;
    auto it = cache_dict.begin();
    const auto end = cache_dict.end();
    while (py_float_greater_than_int(incoming + current, max_cache_size_)) {
      if (it == end) {
        current_cache_size_ = current;  // the victims are evicted
        return;
      }
      if (!pins.pinned(it.key())) {
        current -= static_cast<double>(evictlab::get_size(it.value()));
        result.evict_keys.push_back(it.key());
      }
      ++it;
    }
    current_cache_size_ = current + incoming;
    result.status = PutStatus::kLegal;
  }

  void update_on_put(Dict& cache_dict, std::int64_t cache_size,
                     PutResult<key_type>& result) {
    result.evict_keys.clear();
    if (cache_size > max_cache_size_) {
      result.status = PutStatus::kIllegal;
      return;
    }
    result.status = PutStatus::kLegal;
    const double incoming = static_cast<double>(cache_size);
    auto it = cache_dict.begin();
    const auto end = cache_dict.end();
    while (py_float_greater_than_int(incoming + current_cache_size_,
                                     max_cache_size_)) {
      if (it == end) {
        result.evict_keys.clear();
        throw CacheExhaustedError(
            "StopIteration: LRUEvictor.update_on_put ran off the end of the "
            "cache dict while still over MAX_CACHE_SIZE");
      }
      current_cache_size_ -=
          static_cast<double>(evictlab::get_size(it.value()));
      result.evict_keys.push_back(it.key());
      ++it;
    }
    current_cache_size_ += incoming;
  }

  // `self.MAX_CACHE_SIZE`.
  std::int64_t max_cache_size() const { return max_cache_size_; }
  // `self.current_cache_size`: a double, as in the original.
  double current_cache_size() const { return current_cache_size_; }

 private:
  std::int64_t max_cache_size_;
  double current_cache_size_ = 0.0;
};

struct LRUPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"lru",
      /*reproduces=*/"lmcache v0 LRUEvictor (byte-exact, flaws included)",
      /*promotes_on_hit=*/true,
      /*throws_on_missing_hit=*/true,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/false,
      /*victim_end=*/VictimEnd::kOldest,
      /*per_entry_hit_state=*/false,
      /*order_in_dict=*/true,
  };
  template <class Dict>
  using Evictor = LRUEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_LRU_EVICTOR_H_
