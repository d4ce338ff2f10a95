// ClockEvictor: CLOCK with an n-bit access counter, as SIM-SPEC section 4
// (and libCacheSim's Clock) defines it. Policy `clock`, parameter
// `n-bit-counter` (1..8, default 1; --param clock.n-bit-counter=2).
//
// - The dict's front is the clock's tail (oldest), its back the head; new
//   entries go to the head with counter 0.
// - A hit raises the entry's counter by one, up to 2^bits - 1. Nothing moves.
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
// - Pins (pins.h): the hand passes a pinned entry as it passes the incoming
//   key, moving it to the head with its counter unchanged. When the unpinned
//   entries cannot make room, ILLEGAL before anything ages;
//   decide_best_effort (the KV simulator's) instead sweeps on until only
//   pinned entries are left, and its victims and the aging stand.
// - In a cache whose entries were never hit, every counter is 0 and the
//   victims are the oldest entries: `victim_end` is kOldest in that sense.
//
// Complexity: a hit is one hash lookup (of the dict, whose entry number
// indexes the counters); a put is O(1 + entries moved + victims), amortized
// O(1): each move consumes one counter unit earned by a hit. Memory: one
// byte of counter per slab slot of the flat dicts (a side-table slot per key
// over the node and naive dicts: internal/entry_state.h). NOT thread-safe.
#ifndef EVICTLAB_CLOCK_EVICTOR_H_
#define EVICTLAB_CLOCK_EVICTOR_H_

#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/internal/entry_state.h"
#include "evictlab/key.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict>
class ClockEvictor final : public BaseEvictor<Dict> {
 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;

  // Throws ConfigError (field `max_cache_size_gb`) as OrderedEvictor does,
  // and for a bad `n-bit-counter`.
  explicit ClockEvictor(double max_cache_size_gb = 10.0,
                        const PolicyParams& params = {})
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)) {
    if (max_cache_size_ < 0) {
      throw ConfigError(
          "max_cache_size_gb",
          fmt::format("must not be negative, got {}", max_cache_size_gb));
    }
    const auto bits = params.get_int("n-bit-counter", 1, 1, 8);
    max_count_ = static_cast<std::uint8_t>((1u << bits) - 1);
    params.check_all_used({"n-bit-counter"});
  }

  // Raises the key's counter (saturating). O(1).
  void update_on_get(const key_type& key, Dict& cache_dict) override {
    hit(cache_dict, key);
  }

  // The simulator's hit path (evictor.h hit_if_resident): the counters
  // cover exactly the resident keys, so one lookup is the hit test.
  bool hit(Dict& cache_dict, const key_type& key) {
    std::uint8_t* count = counts_.find(cache_dict, key);
    if (count == nullptr) return false;
    if (*count < max_count_) ++*count;
    return true;
  }

  PutResult<key_type> update_on_put(Dict& cache_dict,
                                    std::int64_t cache_size) override {
    PutResult<key_type> result;
    decide(cache_dict, cache_size, nullptr, result);
    return result;
  }

  // The caller loop's update_on_put (caller.h); see the header comment.
  template <class Pins = NoPins>
  void decide(Dict& cache_dict, std::int64_t cache_size,
              const key_type* incoming_key, PutResult<key_type>& result,
              const Pins& pins = Pins{}) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    const mapped_type* old =
        incoming_key ? cache_dict.find(*incoming_key) : nullptr;
    const std::int64_t old_size = old ? evictlab::get_size(*old) : 0;
    __int128 excess = static_cast<__int128>(current_cache_size_) - old_size +
                      cache_size - max_cache_size_;
    if (excess > 0) {
      const bool old_pinned = old != nullptr && pins.pinned(*incoming_key);
      const __int128 freeable = static_cast<__int128>(current_cache_size_) -
                                pins.pinned_bytes() -
                                (old_pinned ? 0 : old_size);
      if (excess > freeable) return;
    }
    sweep(
        cache_dict, old ? incoming_key : nullptr, pins, result.evict_keys,
        [&](const mapped_type& victim) {
          excess -= evictlab::get_size(victim);
          return excess <= 0;
        },
        excess <= 0);
    result.status = PutStatus::kLegal;
  }

  // The KV simulator's miss path (evictor.h decide_best_effort): decide's
  // sweep without the up-front check. When only pinned entries are left
  // (the hand has passed every remaining entry in a row, a whole lap that
  // leaves their order as it was), the sweep stops: ILLEGAL, with the
  // victims chosen so far, and the counters it spent stay spent.
  template <class Pins>
  void decide_best_effort(Dict& cache_dict, std::int64_t cache_size,
                          const key_type* /*incoming_key*/,
                          PutResult<key_type>& result, const Pins& pins) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    sweep</*kStopWhenDry=*/true>(
        cache_dict, nullptr, pins, result.evict_keys,
        [&](const mapped_type& victim) {
          excess -= evictlab::get_size(victim);
          return excess <= 0;
        },
        excess <= 0);
    if (excess <= 0) result.status = PutStatus::kLegal;
  }

  // LMCache v1's get_evict_candidates: up to n victims by the same hand
  // (aging the clock as a put would), fewer when fewer are evictable. The
  // caller removes them all before the next call.
  template <class Pins = NoPins>
  void candidates(Dict& cache_dict, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    if (n == 0) return;
    sweep(
        cache_dict, nullptr, pins, out,
        [&](const mapped_type&) { return out.size() == n; }, false);
  }

  // `d[key] = value`, accounted, with counter 0. Rejects a negative size
  // (std::invalid_argument) before changing anything.
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    const std::int64_t old_size =
        counts_.store(cache_dict, key, std::move(value), std::uint8_t{0});
    current_cache_size_ += new_size - old_size;
  }

  // `d.pop(key)`, accounted. Throws KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    mapped_type value = counts_.remove(cache_dict, key);
    current_cache_size_ -= evictlab::get_size(value);
    return value;
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  std::int64_t current_cache_size() const { return current_cache_size_; }

 private:
  // The hand: appends victims to `victims` until `enough(victim's value)`
  // says so (or at once if `done`), or nothing evictable is left. `skip` is
  // the incoming key, passed like a pinned entry. kStopWhenDry: also stop
  // once every entry that is not a victim has been passed in a row.
  template <bool kStopWhenDry = false, class Pins, class Enough>
  void sweep(Dict& cache_dict, const key_type* skip, const Pins& pins,
             std::vector<key_type>& victims, Enough&& enough, bool done) {
    // `last_victim` is valid while victims exist: they are never moved, so
    // the clock's tail is always the entry after the last victim.
    typename Dict::iterator last_victim;
    bool have_victims = false;
    // Every move spends a counter unit or passes a skipped entry, so a walk
    // longer than this has nothing left to evict.
    std::size_t budget =
        (std::size_t{max_count_} + 2) * (cache_dict.size() + 1);
    std::size_t passed_in_a_row = 0;  // kStopWhenDry only
    while (!done) {
      auto it = have_victims ? std::next(last_victim) : cache_dict.begin();
      if (it == cache_dict.end() || budget-- == 0) return;
      const key_type& key = it.key();
      std::uint8_t& count = counts_.of(cache_dict, it);
      const bool passed = (skip != nullptr && key == *skip) || pins.pinned(key);
      if (passed || count > 0) {
        if (!passed) --count;
        counts_.move_to_end(cache_dict, it);
        if constexpr (kStopWhenDry) {
          passed_in_a_row = passed ? passed_in_a_row + 1 : 0;
          if (passed_in_a_row == cache_dict.size() - victims.size()) return;
        }
        continue;
      }
      if constexpr (kStopWhenDry) passed_in_a_row = 0;
      victims.push_back(key);
      last_victim = it;
      have_victims = true;
      done = enough(it.value());
    }
  }

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  std::uint8_t max_count_ = 1;
  // The counters (internal/entry_state.h: an array by entry number over the
  // flat dicts, a side table over the others).
  internal::EntryState<Dict, std::uint8_t> counts_;
};

struct ClockPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"clock",
      /*reproduces=*/
      "CLOCK, n-bit counter, default 1 (SIM-SPEC section 4; libCacheSim "
      "Clock)",
      /*promotes_on_hit=*/false,
      /*throws_on_missing_hit=*/false,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/true,
      /*victim_end=*/VictimEnd::kOldest,
      /*per_entry_hit_state=*/true,
      /*order_in_dict=*/true,
  };
  template <class Dict>
  using Evictor = ClockEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_CLOCK_EVICTOR_H_
