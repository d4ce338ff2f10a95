// OrderedEvictor: exact-accounting eviction by the dict's order, the shared
// body of the policies whose victims are taken from one end of the dict
// (lru_strict, fifo, mru). Not for users: include the policy headers.
//
// - Integer byte accounting: `current_cache_size()` is an int64.
// - The evictor owns the sizes: the caller stores and removes objects through
//   `store` and `remove` (which forward to the dict), so `current_cache_size()`
//   always equals the sum of `get_size` over the stored objects. Overwriting
//   a key replaces its size instead of adding to it.
// - `update_on_put` only decides; it changes no state. Accounting happens when
//   the caller actually stores and removes objects.
// - Told the incoming key, `update_on_put` counts the bytes its old object
//   will free and never returns that key.
// - A put that cannot be satisfied, a negative size, or a size above the
//   limit returns `([], ILLEGAL)` and changes nothing; it never throws
//   half-way.
// - It evicts exactly as many keys as needed, from `kVictims`' end, and no
//   more.
// - decide_best_effort (evictor.h; the KV simulator): the same walk, which
//   on a put the unpinned keys cannot make room for returns every unpinned
//   key, in walk order, with ILLEGAL (the victims stand; nothing stored).
// - `store` rejects an object of negative size (std::invalid_argument) or of
//   an unsupported type (UnknownKVTypeError) before changing anything.
// - `kPromoteOnHit`: update_on_get is `move_to_end(key)` (KeyNotFoundError on
//   a miss, dict unchanged); otherwise it does nothing at all.
//
// REQUIRES: every mutation of the dict goes through `store`/`remove` of the
// same evictor, and a stored object's size does not change while it is
// stored. `store` does not check the limit: call `update_on_put` first.
//
// NOT thread-safe.
#ifndef EVICTLAB_INTERNAL_ORDERED_EVICTOR_H_
#define EVICTLAB_INTERNAL_ORDERED_EVICTOR_H_

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/pins.h"
#include "evictlab/policy_traits.h"

namespace evictlab::internal {

template <class Dict, bool kPromoteOnHit, VictimEnd kVictims>
class OrderedEvictor final : public BaseEvictor<Dict> {
  static_assert(kVictims != VictimEnd::kNone);

 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;

  // Throws ConfigError (field `max_cache_size_gb`) for NaN, infinity, a
  // negative value or a limit outside int64. Same truncation as the original.
  explicit OrderedEvictor(double max_cache_size_gb = 10.0)
      : max_cache_size_(checked_limit(max_bytes_from_gb(max_cache_size_gb),
                                      "max_cache_size_gb")) {}

  // A limit given in bytes. Throws ConfigError (field `max_bytes`) if < 0.
  static OrderedEvictor with_max_bytes(std::int64_t max_bytes) {
    OrderedEvictor evictor(0.0);
    evictor.max_cache_size_ = checked_limit(max_bytes, "max_bytes");
    return evictor;
  }

  // O(1). See kPromoteOnHit above.
  void update_on_get(const key_type& key, Dict& cache_dict) override {
    if constexpr (kPromoteOnHit) {
      cache_dict.move_to_end(key);
    } else {
      (void)key;
      (void)cache_dict;
    }
  }

  // The simulator's hit path (evictor.h hit_if_resident): update_on_get of a
  // resident key in one probe; false (nothing changes) when absent.
  bool hit(Dict& cache_dict, const key_type& key) {
    if constexpr (kPromoteOnHit) {
      return move_to_end_if_present(cache_dict, key);
    } else {
      return cache_dict.contains(key);
    }
  }

  // As update_on_put(d, size, key) for a key that is not in the dict.
  PutResult<key_type> update_on_put(Dict& cache_dict,
                                    std::int64_t cache_size) override {
    PutResult<key_type> result;
    decide(cache_dict, cache_size, nullptr, result);
    return result;
  }

  // The keys to remove, in eviction order, so that after removing them and
  // storing `cache_size` bytes under `incoming_key` (replacing its old object
  // if present) the total is at most the limit. Changes nothing.
  // O(1 + number of evicted keys).
  PutResult<key_type> update_on_put(Dict& cache_dict, std::int64_t cache_size,
                                    const key_type& incoming_key) {
    PutResult<key_type> result;
    decide(cache_dict, cache_size, &incoming_key, result);
    return result;
  }

  // Same, reusing `result`'s storage; `incoming_key` may be null (a new key).
  // Walks the dict (a non-const Dict& only because the dicts hand out
  // iterators through non-const begin()); modifies nothing.
  // A pinned key (pins.h) is skipped; if the evictable keys cannot make
  // room, ILLEGAL.
  template <class Pins = NoPins>
  void decide(Dict& cache_dict, std::int64_t cache_size,
              const key_type* incoming_key, PutResult<key_type>& result,
              const Pins& pins = Pins{}) const {
    if constexpr (kVictims == VictimEnd::kOldest) {
      walk(cache_dict.begin(), cache_dict.end(), cache_dict, cache_size,
           incoming_key, result, pins);
    } else {
      walk(cache_dict.rbegin(), cache_dict.rend(), cache_dict, cache_size,
           incoming_key, result, pins);
    }
  }

  // The KV simulator's miss path (evictor.h decide_best_effort): the same
  // walk, and when it runs off the end every unpinned key has been chosen,
  // in order; ILLEGAL then keeps them (the caller evicts them). Changes
  // nothing itself. O(1 + evicted + pinned keys passed).
  template <class Pins>
  void decide_best_effort(Dict& cache_dict, std::int64_t cache_size,
                          const key_type* /*incoming_key*/,
                          PutResult<key_type>& result, const Pins& pins) const {
    if constexpr (kVictims == VictimEnd::kOldest) {
      walk</*kBestEffort=*/true>(cache_dict.begin(), cache_dict.end(),
                                 cache_dict, cache_size, nullptr, result, pins);
    } else {
      walk</*kBestEffort=*/true>(cache_dict.rbegin(), cache_dict.rend(),
                                 cache_dict, cache_size, nullptr, result, pins);
    }
  }

  // LMCache v1's get_evict_candidates: the first n unpinned keys from the
  // victims' end, fewer when fewer are evictable. Changes nothing. O(n +
  // pinned keys passed).
  template <class Pins = NoPins>
  void candidates(Dict& cache_dict, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) const {
    out.clear();
    auto take = [&](auto it, auto end) {
      for (; it != end && out.size() < n; ++it) {
        if (!pins.pinned(it.key())) out.push_back(it.key());
      }
    };
    if constexpr (kVictims == VictimEnd::kOldest) {
      take(cache_dict.begin(), cache_dict.end());
    } else {
      take(cache_dict.rbegin(), cache_dict.rend());
    }
  }

  // `d[key] = value`, accounted. In place if present (position kept).
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    const mapped_type* old = cache_dict.find(key);
    const std::int64_t old_size = old ? evictlab::get_size(*old) : 0;
    cache_dict.set(key, std::move(value));
    current_cache_size_ += new_size - old_size;
  }
  // The names StrictLRUEvictor always had.
  void set(Dict& cache_dict, const key_type& key, mapped_type value) {
    store(cache_dict, key, std::move(value));
  }

  // `d.pop(key)`, accounted. Throws KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    mapped_type value = cache_dict.pop(key);
    current_cache_size_ -= evictlab::get_size(value);
    return value;
  }
  mapped_type pop(Dict& cache_dict, const key_type& key) {
    return remove(cache_dict, key);
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  // The sum of the sizes of the stored objects.
  std::int64_t current_cache_size() const { return current_cache_size_; }

 private:
  static std::int64_t checked_limit(std::int64_t bytes, const char* field) {
    if (bytes < 0) {
      throw ConfigError(field,
                        fmt::format("must not be negative, got {}", bytes));
    }
    return bytes;
  }

  // Chooses victims from `it` on until the put fits. Running off the end:
  // ILLEGAL, with no victims (decide's all-or-nothing) or, kBestEffort,
  // with every unpinned key chosen (section 1's loop ran dry).
  template <bool kBestEffort = false, class It, class Pins>
  void walk(It it, It end, Dict& cache_dict, std::int64_t cache_size,
            const key_type* incoming_key, PutResult<key_type>& result,
            const Pins& pins) const {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    const mapped_type* old =
        incoming_key ? cache_dict.find(*incoming_key) : nullptr;
    // 128-bit so that no sum of int64 sizes can overflow.
    __int128 excess = static_cast<__int128>(current_cache_size_) -
                      (old ? evictlab::get_size(*old) : 0) + cache_size -
                      max_cache_size_;
    for (; excess > 0; ++it) {
      if (it == end) {
        // Cannot be satisfied: change nothing, or keep the victims.
        if constexpr (!kBestEffort) result.evict_keys.clear();
        return;
      }
      if (old != nullptr && it.key() == *incoming_key) continue;
      if (pins.pinned(it.key())) continue;
      excess -= evictlab::get_size(it.value());
      result.evict_keys.push_back(it.key());
    }
    result.status = PutStatus::kLegal;
  }

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
};

}  // namespace evictlab::internal

#endif  // EVICTLAB_INTERNAL_ORDERED_EVICTOR_H_
