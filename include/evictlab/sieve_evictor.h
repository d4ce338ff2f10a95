// SieveEvictor: SIEVE (Zhang et al., NSDI '24), as SIM-SPEC section 4 (and
// libCacheSim's Sieve) defines it. Policy `sieve`.
//
// - The queue is the dict's own order, which SIEVE never changes: the dict's
//   front is the queue's tail (oldest), its back the head (newest); a new
//   object is inserted at the head with its visited bit 0. Nothing ever
//   moves, so `dict.keys()` is the insertion order of the resident keys.
// - A hit sets the object's visited bit. A hit of a key that is absent does
//   nothing.
// - Evicting one object: start at the hand (at the tail when there is no
//   hand); while the object is visited, clear its bit and step one object
//   toward the head, wrapping from the head to the tail; the first unvisited
//   object is the victim, and the hand becomes the object just newer than the
//   victim (none if the victim was the head). Repeat until the incoming
//   object fits; each search continues from the hand the last one left.
// - Victims stay in the dict until the caller removes them (caller.h), so a
//   victim is marked chosen and the rest of the walk steps over it as if it
//   were gone. The hand may rest on a chosen victim (or on the re-put key):
//   `remove` of the hand's object moves the hand to the object just newer
//   (none if it was the head), which is exactly where the spec's hand is.
// - A user removal (`remove` of a key that is no victim) detaches the object
//   the same way: its bit is forgotten, and the hand, if it rested on it,
//   moves to the object just newer. There are no ghosts.
// - Pins: a pinned object is never a victim. The walk steps over it without
//   reading or clearing its visited bit, as if it were not in the queue: a
//   pin is an outside condition, not an access, so it neither spends the
//   object's second chance nor grants one, and with no pins the walk is the
//   spec's, step for step. The re-put key (its old object is about to be
//   removed by the caller) is stepped over the same way.
// - Exact accounting, as internal::OrderedEvictor: int64 bytes owned by the
//   evictor through `store`/`remove`; ILLEGAL (nothing changed) for a
//   negative size, one above the limit, or when the evictable bytes (the
//   stored ones, minus the pinned ones, minus the re-put key's old object
//   when it is not pinned) cannot make room. Otherwise deciding a put clears
//   visited bits and moves the hand: that is the algorithm. (Only a Pins
//   object whose pinned_bytes() disagrees with pinned() can make the walk
//   run dry after that check: the put is then ILLEGAL, the hand and the
//   choices are undone, the bits it cleared stay clear.)
//   decide_best_effort (the KV simulator's) has no up-front check: it walks
//   until the object fits or nothing is left to take, and its victims, the
//   hand and the cleared bits stand either way.
// - In a cache whose objects were never hit, every bit is 0 and the victims
//   are the oldest objects in order (the hand rests on the oldest resident
//   object, or there is none): `victim_end` is kOldest in that sense.
//
// State: a state byte per object (visited, chosen) and the hand as an
// iterator of the dict. Over the flat dicts the bytes are an array indexed by
// the dict's entry number (internal/entry_state.h): one byte per slab slot,
// no second hash table. Over the node and naive dicts they are a side table
// key -> byte (16 bytes of slot plus one control byte for a uint64 key,
// 19-39 bytes at Abseil's load factors).
//
// Complexity: a hit is one hash lookup (of the dict); a victim costs O(1) per
// object the walk passes (an array read over the flat dicts, a side-table
// lookup over the others), O(1) amortized (each step past a visited object
// consumes a bit set by a hit; steps over pinned objects are extra). `store`
// and `remove` are O(1). No allocation per operation once the table has grown.
//
// REQUIRES: every mutation of the dict goes through `store`/`remove` of this
// evictor (the hand is an iterator into this dict object: do not move or
// clear the dict behind the evictor's back), and a stored object's size does
// not change while it is stored. NOT thread-safe.
#ifndef EVICTLAB_SIEVE_EVICTOR_H_
#define EVICTLAB_SIEVE_EVICTOR_H_

#include <fmt/format.h>

#include <cstddef>
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
class SieveEvictor final : public BaseEvictor<Dict> {
 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;

  // Throws ConfigError (field `max_cache_size_gb`) as OrderedEvictor does.
  // SIEVE takes no parameters: any in `params` is a ConfigError.
  explicit SieveEvictor(double max_cache_size_gb = 10.0,
                        const PolicyParams& params = {})
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)) {
    if (max_cache_size_ < 0) {
      throw ConfigError(
          "max_cache_size_gb",
          fmt::format("must not be negative, got {}", max_cache_size_gb));
    }
    params.check_all_used({});
  }

  // Sets the key's visited bit. O(1). Does not reorder the dict.
  void update_on_get(const key_type& key, Dict& cache_dict) override {
    hit(cache_dict, key);
  }

  // The simulator's hit path (evictor.h hit_if_resident): the state table
  // holds exactly the resident keys, so one lookup of it is the hit test.
  bool hit(Dict& cache_dict, const key_type& key) {
    std::uint8_t* state = state_.find(cache_dict, key);
    if (state == nullptr) return false;
    *state |= kVisited;
    return true;
  }

  PutResult<key_type> update_on_put(Dict& cache_dict,
                                    std::int64_t cache_size) override {
    PutResult<key_type> result;
    decide(cache_dict, cache_size, nullptr, result);
    return result;
  }

  // The caller loop's update_on_put (caller.h); see the header comment.
  // `result` is cleared first. The miss path has no lookup side effects.
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
    // 128-bit so that no sum of int64 sizes can overflow.
    __int128 excess = static_cast<__int128>(current_cache_size_) - old_size +
                      cache_size - max_cache_size_;
    if (excess > 0) {
      const bool old_pinned = old != nullptr && pins.pinned(*incoming_key);
      const __int128 freeable = static_cast<__int128>(current_cache_size_) -
                                pins.pinned_bytes() -
                                (old_pinned ? 0 : old_size);
      if (excess > freeable) return;  // cannot be satisfied: change nothing
    }
    const key_type* skip = old ? incoming_key : nullptr;
    const Iterator hand_before = hand_;
    const bool had_hand = has_hand_;
    while (excess > 0) {
      const auto victim = next_victim(cache_dict, skip, pins);
      if (victim == cache_dict.end()) {
        // Only when `pins.pinned_bytes()` disagrees with `pins.pinned()`:
        // undo the choices and the hand (bits the walk cleared stay clear).
        for (const key_type& key : result.evict_keys) {
          *state_.find(cache_dict, key) &= ~kChosen;
        }
        result.evict_keys.clear();
        hand_ = hand_before;
        has_hand_ = had_hand;
        return;
      }
      excess -= evictlab::get_size(victim.value());
      result.evict_keys.push_back(victim.key());
    }
    result.status = PutStatus::kLegal;
  }

  // The KV simulator's miss path (evictor.h decide_best_effort): decide's
  // walk without the up-front check. When the walk finds nothing it may
  // take (every object left is pinned or chosen), ILLEGAL with the victims
  // chosen so far: they, the hand and the cleared bits stand.
  template <class Pins>
  void decide_best_effort(Dict& cache_dict, std::int64_t cache_size,
                          const key_type* /*incoming_key*/,
                          PutResult<key_type>& result, const Pins& pins) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    while (excess > 0) {
      const auto victim = next_victim(cache_dict, nullptr, pins);
      if (victim == cache_dict.end()) return;
      excess -= evictlab::get_size(victim.value());
      result.evict_keys.push_back(victim.key());
    }
    result.status = PutStatus::kLegal;
  }

  // Up to n victims, chosen one by one by the walk `decide` uses (clearing
  // the bits it passes, moving the hand); fewer when fewer objects are
  // evictable. REQUIRES: the caller removes them all before the next call.
  template <class Pins = NoPins>
  void candidates(Dict& cache_dict, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    while (out.size() < n) {
      const auto victim = next_victim(cache_dict, nullptr, pins);
      if (victim == cache_dict.end()) break;
      out.push_back(victim.key());
    }
  }

  // `d[key] = value`, accounted. A new key is inserted at the head with its
  // bit 0; a resident key is overwritten in place (not an insertion: its
  // position and bit stay). Rejects a negative size (std::invalid_argument)
  // before changing anything.
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    const std::int64_t old_size =
        state_.store(cache_dict, key, std::move(value), std::uint8_t{0});
    current_cache_size_ += new_size - old_size;
  }

  // `d.pop(key)`, accounted: a victim's removal or a user's (see the header
  // comment for the hand). Throws KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    const bool at_hand = has_hand_ && hand_.key() == key;
    const auto after_hand = at_hand ? std::next(hand_) : cache_dict.end();
    mapped_type value = state_.remove(cache_dict, key);
    if (at_hand) {
      hand_ = after_hand;
      has_hand_ = after_hand != cache_dict.end();
    }
    current_cache_size_ -= evictlab::get_size(value);
    return value;
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  std::int64_t current_cache_size() const { return current_cache_size_; }

 private:
  using Iterator = typename Dict::iterator;
  static constexpr std::uint8_t kVisited = 1;
  static constexpr std::uint8_t kChosen = 2;  // a victim not yet removed

  // One step of SIEVE's "evict one object": the victim (marked chosen, the
  // hand moved past it), or end() when no object can be taken (every one is
  // pinned, chosen or `skip`).
  template <class Pins>
  Iterator next_victim(Dict& cache_dict, const key_type* skip,
                       const Pins& pins) {
    const Iterator end = cache_dict.end();
    const std::size_t n = cache_dict.size();
    Iterator it = has_hand_ ? hand_ : cache_dict.begin();
    // Consecutive objects stepped over without clearing a bit: n of them
    // mean a whole lap found nothing to take or to clear.
    std::size_t passed = 0;
    while (passed < n) {
      if (it == end) it = cache_dict.begin();  // wrap from head to tail
      const key_type& key = it.key();
      std::uint8_t& state = state_.of(cache_dict, it);
      if ((state & kChosen) != 0 || (skip != nullptr && key == *skip) ||
          pins.pinned(key)) {
        ++passed;
        ++it;
        continue;
      }
      if ((state & kVisited) != 0) {
        state &= ~kVisited;
        passed = 0;
        ++it;
        continue;
      }
      state |= kChosen;
      const Iterator victim = it;
      hand_ = ++it;
      has_hand_ = it != end;
      return victim;
    }
    return end;
  }

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  // Visited and chosen bits (internal/entry_state.h: an array by entry
  // number over the flat dicts, a side table over the others).
  internal::EntryState<Dict, std::uint8_t> state_;
  Iterator hand_{};
  bool has_hand_ = false;
};

struct SievePolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"sieve",
      /*reproduces=*/"SIEVE (SIM-SPEC section 4; libCacheSim Sieve)",
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
  using Evictor = SieveEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_SIEVE_EVICTOR_H_
