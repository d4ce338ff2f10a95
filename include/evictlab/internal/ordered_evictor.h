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
// same evictor (and, for kPromoteOnHit, every reordering through its
// `update_on_get`/`hit`; a dict cleared, swapped or moved into behind the
// evictor's back needs a new evictor, which also starts with the right
// `current_cache_size()`), and a stored object's size does not change while
// it is stored. `store` does not check the limit: call `update_on_put`
// first.
//
// PERFORMANCE: the pinned run (kNewest, i.e. mru, over a dict with entry
// numbers: OrderedDict, AbslOrderedDict). The KV request loop (sim/
// kv_replay.h, the Python binding's batched store) pins the request's hits,
// promotes them to newest and then stores its misses one by one, each
// pinned at once: exactly the entries at the newest end, where mru's walk
// starts. A plain walk passes all of them again on every store, O(request
// length) pinned() checks per store and O(n^2) per request. So a walk under
// a Pins with unpin_epoch() (pins.h) remembers the run it passed: H, the
// newest entry when it started, and T, the oldest entry of the contiguous
// pinned run from H on (entry numbers), with the dict and the epoch. The
// next walk under the same epoch and dict checks each entry newer than H
// one by one (stored or promoted since), and on reaching H goes on from T's
// older neighbour; it then remembers its own contiguous pinned prefix (the
// jump included). A walk whose prefix is empty keeps the run it had, which
// is still intact; a walk under another epoch or dict starts plain and
// replaces it.
//
// Why the jump gives exactly the plain walk's victims: every entry from H
// to T is pinned and the walk skips pinned entries without changing
// anything, so skipping H..T at once is the same walk as long as (a) H..T
// is still a contiguous run of the order list, (b) each of its entries is
// still pinned, and (c) H and T are still the entries they were. (b): the
// epoch has not moved, so no key was unpinned (pinning more keys only adds),
// and an entry in the run keeps its key (a number changes key only by a
// removal and a reinsertion, and a reinserted key goes to the newest end).
// (a): the order list changes only by appending a new key at the newest end
// (above H: checked one by one), by unlinking an entry (remove, or a
// promotion's unlink), and by a promotion's append. Unlinking an entry
// strictly inside the run joins its two neighbours, both in the run: the
// run stays contiguous and all pinned, one shorter; a promoted middle entry
// lands above H and is checked one by one. Unlinking H or T themselves
// would move the run's ends, and their numbers could come back for a new,
// unpinned key: so `remove`, `update_on_get` and `hit` of H's or T's key
// forget the run (c). Entries older than T (the victims) may come and go:
// T's older neighbour is read from the list at each jump. Storing over a
// resident key keeps its entry and position; growth keeps every number.
// Nothing else changes the dict (REQUIRES above). A copy, an assigned-to
// evictor and both sides of a move start with no run, and a run names its
// dict: a walk of another dict starts plain.
//
// Cost: per store in the KV loop, O(1) amortized pinned() checks (the new
// entries above H, the pinned entries just older than T, which join the
// run, and the victims) instead of O(request length); each remove and hit
// compares its key with H's and T's while a run is remembered (one
// predicted branch when none is). decide() uses the same walk (the same
// argument holds: a pinned incoming key is skipped either way); candidates()
// and every walk under NoPins or a Pins without unpin_epoch() stay plain, as
// does fifo (kOldest) and every dict without entry numbers. NOTE: decide()
// and decide_best_effort() are const but update the remembered run.
//
// NOT thread-safe (not even the const calls, which update the run).
#ifndef EVICTLAB_INTERNAL_ORDERED_EVICTOR_H_
#define EVICTLAB_INTERNAL_ORDERED_EVICTOR_H_

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/pins.h"
#include "evictlab/policy_traits.h"

namespace evictlab::internal {

// Whether a dict's reverse iterators are entry numbers that can be rebuilt
// at another entry (entry_slab.h SlabIterator: `entry()`, `at_entry(e)`),
// with `key_of(e)` and kNoEntry on the dict: what the pinned run needs.
template <class Dict, class = void>
inline constexpr bool kHasEntryIterators = false;
template <class Dict>
inline constexpr bool kHasEntryIterators<
    Dict,
    std::void_t<
        decltype(std::declval<const Dict&>().key_of(Dict::kNoEntry)),
        decltype(std::declval<const typename Dict::reverse_iterator&>()
                     .at_entry(
                         std::declval<const typename Dict::reverse_iterator&>()
                             .entry()))>> = true;

// The pinned run an mru walk remembers (see "PERFORMANCE: the pinned run"
// in the file comment): entries H (`head`) down to T (`tail`) of `dict`,
// all pinned under `epoch`. A copy, a move (both sides) and an assignment
// leave no run: a run belongs to one evictor and its dict.
template <class Dict>
struct PinnedRun {
  using Entry = typename Dict::entry_type;
  PinnedRun() = default;
  PinnedRun(const PinnedRun& /*other*/) {}
  PinnedRun(PinnedRun&& other) noexcept { other.forget(); }
  PinnedRun& operator=(const PinnedRun& /*other*/) {
    forget();
    return *this;
  }
  PinnedRun& operator=(PinnedRun&& other) noexcept {
    forget();
    other.forget();
    return *this;
  }
  bool empty() const { return head == Dict::kNoEntry; }
  void forget() { head = tail = Dict::kNoEntry; }
  // Before `key` is removed or promoted: forgets the run if `key` is one of
  // its ends (or the call is about another dict). O(1).
  // The check itself is out of line and cold: inlined into every hit it
  // cost mru's hit six register saves whether or not a run was kept
  // (70 -> 83 instructions per hashed-key hit, scripts/gate).
  ABSL_ATTRIBUTE_ALWAYS_INLINE void before_unlink(
      const Dict& d, const typename Dict::key_type& key) {
    if (ABSL_PREDICT_TRUE(empty())) return;
    forget_if_end(d, key);
  }
  ABSL_ATTRIBUTE_NOINLINE ABSL_ATTRIBUTE_COLD void forget_if_end(
      const Dict& d, const typename Dict::key_type& key) {
    if (&d != dict || d.key_of(head) == key || d.key_of(tail) == key) {
      forget();
    }
  }

  const Dict* dict = nullptr;
  PinEpoch epoch{};
  Entry head = Dict::kNoEntry;
  Entry tail = Dict::kNoEntry;
};

// An empty stand-in where no run is kept (kOldest, dicts without entry
// numbers): the evictor's size and fifo's code do not change.
struct NoPinnedRun {};

template <class Dict, bool kPromoteOnHit, VictimEnd kVictims>
class OrderedEvictor final : public BaseEvictor<Dict> {
  static_assert(kVictims != VictimEnd::kNone);
  // Whether walks remember the pinned run (file comment).
  static constexpr bool kKeepsRun =
      kVictims == VictimEnd::kNewest && kHasEntryIterators<Dict>;
  using Run = std::conditional_t<kKeepsRun, PinnedRun<Dict>, NoPinnedRun>;
  template <class Pins>
  static constexpr bool kRunWalk = (kKeepsRun && kHasUnpinEpoch<Pins>);

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
      if constexpr (kKeepsRun) run_.before_unlink(cache_dict, key);
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
      if constexpr (kKeepsRun) run_.before_unlink(cache_dict, key);
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
  // nothing in the dict. O(1 + evicted + pinned keys passed); for mru under
  // a Pins with unpin_epoch(), the pinned keys passed exclude the
  // remembered run (file comment): O(1) amortized in the KV request loop.
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
    if constexpr (kKeepsRun) run_.before_unlink(cache_dict, key);
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
    if constexpr (kRunWalk<Pins>) {
      if (excess > 0 &&
          !walk_run(it, end, cache_dict, excess,
                    old != nullptr ? incoming_key : nullptr, result, pins)) {
        if constexpr (!kBestEffort) result.evict_keys.clear();
        return;
      }
    } else {
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
    }
    result.status = PutStatus::kLegal;
  }

  // The plain walk's loop with the pinned run (file comment): the same
  // victims, in the same order. `skip` is the resident incoming key or null.
  // Returns false when it ran off the end (every unpinned key chosen).
  // REQUIRES: excess > 0; `it` is rbegin().
  template <class It, class Pins>
  bool walk_run(It it, const It end, const Dict& cache_dict, __int128 excess,
                const key_type* skip, PutResult<key_type>& result,
                const Pins& pins) const {
    using Entry = typename Dict::entry_type;
    constexpr Entry kNone = Dict::kNoEntry;
    const PinEpoch epoch = pins.unpin_epoch();
    const bool usable =
        !run_.empty() && run_.dict == &cache_dict && run_.epoch == epoch;
    // Never equal to a live entry when there is no run to jump over. Cleared
    // by the jump: a walk meets H once, and a run broken by a bug then gives
    // wrong victims (which the tests see) instead of a walk in circles.
    Entry jump_from = usable ? run_.head : kNone;
    // This walk's contiguous pinned prefix from the newest end.
    Entry head = kNone;
    Entry tail = kNone;
    bool in_prefix = true;
    bool ran_off = false;
    for (; excess > 0; ++it) {
      if (it == end) {
        ran_off = true;
        break;
      }
      const Entry e = it.entry();
      if (e == jump_from) {
        // H .. T are pinned: go on from T's older neighbour.
        if (in_prefix) {
          if (head == kNone) head = e;
          tail = run_.tail;
        }
        it = it.at_entry(run_.tail);
        jump_from = kNone;
        continue;
      }
      if (skip != nullptr && it.key() == *skip) {
        in_prefix = false;
        continue;
      }
      if (pins.pinned(it.key())) {
        if (in_prefix) {
          if (head == kNone) head = e;
          tail = e;
        }
        continue;
      }
      in_prefix = false;
      excess -= evictlab::get_size(it.value());
      result.evict_keys.push_back(it.key());
    }
    if (head != kNone) {
      run_.dict = &cache_dict;
      run_.epoch = epoch;
      run_.head = head;
      run_.tail = tail;
    } else if (!usable) {
      run_.forget();
    }  // else the old run is still intact: keep it
    return !ran_off;
  }

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  // mutable: the const walks (decide, decide_best_effort) keep it.
  // [[no_unique_address]]: NoPinnedRun takes no room (g++ 12 honours it in
  // C++17 mode).
  [[no_unique_address]] mutable Run run_;
};

}  // namespace evictlab::internal

#endif  // EVICTLAB_INTERNAL_ORDERED_EVICTOR_H_
