// ClockEvictor: CLOCK with an n-bit access counter, as SIM-SPEC section 4
// (and libCacheSim's Clock) defines it. Policy `clock`.
//
// - The dict's front is the clock's tail (oldest), its back the head; new
//   entries go to the head with counter 0.
// - A hit raises the entry's counter by one, up to 2^kBits - 1. Nothing moves.
//   A hit of a key that is absent does nothing.
// - Victims: look at the tail; while its counter is >= 1, decrement it and
//   move the entry to the head; the first tail entry found with counter 0 is
//   the victim. Repeat until the incoming object fits. Victims are not moved,
//   so they form a prefix of the dict's order until the caller removes them.
// - Exact accounting, as internal::OrderedEvictor: int64 bytes owned by the
//   evictor through `store`/`remove`; ILLEGAL (nothing changed) for a negative
//   size or one above the limit. Unlike the order-only policies, deciding a
//   put ages the clock (counters and order change): that is the algorithm.
//   A re-put key is never its own victim (it is moved to the head instead,
//   where the caller's store puts it anyway).
// - In a cache whose entries were never hit, every counter is 0 and the
//   victims are the oldest entries: `victim_end` is kOldest in that sense.
//
// Complexity: a hit is one hash lookup of the counter table; a put is
// O(1 + entries moved + victims), amortized O(1): each move consumes one
// counter unit earned by a hit. Memory: a counter table entry per key beside
// the dict. NOT thread-safe.
#ifndef EVICTLAB_CLOCK_EVICTOR_H_
#define EVICTLAB_CLOCK_EVICTOR_H_

#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/key.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict, int kBits = 1>
class ClockEvictor final : public BaseEvictor<Dict> {
  static_assert(kBits >= 1 && kBits <= 7);

 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;
  static constexpr std::uint8_t kMaxCount = (1u << kBits) - 1;

  // Throws ConfigError (field `max_cache_size_gb`) as OrderedEvictor does.
  explicit ClockEvictor(double max_cache_size_gb = 10.0)
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)) {
    if (max_cache_size_ < 0) {
      throw ConfigError(
          "max_cache_size_gb",
          fmt::format("must not be negative, got {}", max_cache_size_gb));
    }
  }

  // Raises the key's counter (saturating). O(1).
  void update_on_get(const key_type& key, Dict& /*cache_dict*/) override {
    if (auto it = counts_.find(key); it != counts_.end()) {
      if (it->second < kMaxCount) ++it->second;
    }
  }

  PutResult<key_type> update_on_put(Dict& cache_dict,
                                    std::int64_t cache_size) override {
    PutResult<key_type> result;
    decide(cache_dict, cache_size, nullptr, result);
    return result;
  }

  // The caller loop's update_on_put (caller.h); see the header comment.
  void decide(Dict& cache_dict, std::int64_t cache_size,
              const key_type* incoming_key, PutResult<key_type>& result) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    const mapped_type* old =
        incoming_key ? cache_dict.find(*incoming_key) : nullptr;
    __int128 excess = static_cast<__int128>(current_cache_size_) -
                      (old ? evictlab::get_size(*old) : 0) + cache_size -
                      max_cache_size_;
    // `last_victim` is valid while victims exist: they are never moved, so
    // the clock's tail is always the entry after the last victim.
    typename Dict::iterator last_victim;
    bool have_victims = false;
    auto tail = [&] {
      return have_victims ? std::next(last_victim) : cache_dict.begin();
    };
    // Every move spends a counter unit or skips the incoming key, so a walk
    // longer than this has nothing left to evict.
    std::size_t budget = (std::size_t{kMaxCount} + 2) * (cache_dict.size() + 1);
    while (excess > 0) {
      auto it = tail();
      if (it == cache_dict.end() || budget-- == 0) {
        result.evict_keys.clear();  // cannot be satisfied
        return;
      }
      const key_type& key = it.key();
      std::uint8_t& count = counts_.find(key)->second;
      const bool is_incoming = old != nullptr && key == *incoming_key;
      if (is_incoming || count > 0) {
        if (!is_incoming) --count;
        const key_type moved = key;
        cache_dict.move_to_end(moved);
        continue;
      }
      excess -= evictlab::get_size(it.value());
      result.evict_keys.push_back(key);
      last_victim = it;
      have_victims = true;
    }
    result.status = PutStatus::kLegal;
  }

  // `d[key] = value`, accounted, with counter 0. Rejects a negative size
  // (std::invalid_argument) before changing anything.
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    const mapped_type* old = cache_dict.find(key);
    const std::int64_t old_size = old ? evictlab::get_size(*old) : 0;
    counts_.try_emplace(key, std::uint8_t{0});
    cache_dict.set(key, std::move(value));
    current_cache_size_ += new_size - old_size;
  }

  // `d.pop(key)`, accounted. Throws KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    mapped_type value = cache_dict.pop(key);
    counts_.erase(key);
    current_cache_size_ -= evictlab::get_size(value);
    return value;
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  std::int64_t current_cache_size() const { return current_cache_size_; }

 private:
  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  absl::flat_hash_map<key_type, std::uint8_t, KeyHash<key_type>> counts_;
};

struct ClockPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"clock",
      /*reproduces=*/
      "CLOCK, 1-bit counter (SIM-SPEC section 4; libCacheSim "
      "Clock)",
      /*promotes_on_hit=*/false,
      /*throws_on_missing_hit=*/false,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/true,
      /*victim_end=*/VictimEnd::kOldest,
      /*per_entry_hit_state=*/true,
  };
  template <class Dict>
  using Evictor = ClockEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_CLOCK_EVICTOR_H_
