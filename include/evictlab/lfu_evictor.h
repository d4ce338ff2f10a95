// LFUEvictor: least frequently used, as SIM-SPEC section 4 (and libCacheSim's
// LFU) defines it. Policy `lfu`.
//
// - An object's frequency is 1 when it is stored and rises by 1 per hit
//   (64-bit, never saturating in practice). A hit of a key that is absent
//   does nothing.
// - The victim is an object of the minimum frequency; among those, the one
//   whose last access (its insertion or its latest hit) is oldest. Repeat
//   until the incoming object fits.
// - Frequencies are forgotten on eviction and on any removal (`remove`,
//   whether of a victim or a user's): a key stored again starts at 1. There
//   are no ghosts.
// - The dict's order is not used and never changed: `dict.keys()` is the
//   insertion order of the resident keys. In a cache whose objects were
//   never hit every frequency is 1 and the victims are the oldest objects in
//   order: `victim_end` is kOldest in that sense.
// - Pins: a pinned object is never a victim; the search passes over it to the
//   next object in (frequency, last access) order, and its own frequency and
//   recency are untouched. The re-put key (its old object is about to be
//   removed by the caller) is passed over the same way.
// - Victims are detached from the frequency lists as soon as they are chosen
//   (that is the eviction); the caller's `remove` then only finishes it (dict
//   pop and accounting).
// - Exact accounting, as internal::OrderedEvictor: int64 bytes owned by the
//   evictor through `store`/`remove`; ILLEGAL (nothing changed) for a
//   negative size, one above the limit, or when the evictable bytes (the
//   stored ones, minus the pinned ones, minus the re-put key's old object
//   when it is not pinned) cannot make room. decide_best_effort (the KV
//   simulator's) instead takes every unpinned object, in victim order,
//   and answers ILLEGAL with them (they are evicted).
//
// State (O(1) LFU, internal/lfu_lists.h): one node per object (the links of
// its frequency list and its bucket's number: 12 bytes, no key); a bucket
// per distinct frequency in use (24 bytes), kept in a list in ascending
// order, each holding its objects as an LRU list (oldest last access first).
// - Over the flat dicts (OrderedDict, AbslOrderedDict) a node is indexed by
//   its key's entry number in the dict (internal/entry_state.h), and the key
//   is the dict's (`key_of`): a hit is one probe of the dict, a store or a
//   removal is the dict's own operation, the key is stored once. The nodes
//   follow the dict's slab (its capacity, 1-2x the resident objects, plus
//   one), so an object costs 12-24 bytes beside the dict (12.0 at a power
//   of two of objects, where the slab is exactly full).
// - Over the node and naive dicts, a side table (absl::flat_hash_map<key,
//   node number>) over nodes with a free list, and a copy of each key by
//   node number (for the victims' keys): per object the 12-byte node, the
//   key copy, and an Abseil slot (the key and the 4-byte number, padded)
//   plus a control byte per slot at 7/16-7/8 load, and the key copies'
//   own heap (a long string's buffer, twice). Not a target: these dicts
//   are the baselines.
//
// Complexity: hit, store, remove and each victim are O(1) (a victim search
// passes over pinned objects, O(1) per pin). Over the flat dicts a hit is
// one probe of the dict and a store of a new key two (as lru's), a victim
// reads its key and size by entry number (no probe), and a victim's removal
// is the dict's pop alone (the victims' entry numbers are kept in order);
// a user's removal costs one probe more. No allocation per operation once
// the nodes and the buckets have grown: the nodes grow only when the dict's
// slab does (a freed entry's node is reused with its number).
//
// Invalidation: none to speak of (the evictor hands out keys by value and
// frequencies; it holds no pointer into the dict, only entry numbers, which
// the dict keeps stable). The evictor is movable (with its dict: its state
// is indexed by that dict's entry numbers) and not copyable.
//
// REQUIRES: every insertion into and removal from the dict goes through
// `store`/`remove` of this evictor, and a stored object's size does not
// change while it is stored; the caller removes decide's victims before its
// next call, as caller.h does. NOT thread-safe.
#ifndef EVICTLAB_LFU_EVICTOR_H_
#define EVICTLAB_LFU_EVICTOR_H_

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/internal/entry_state.h"
#include "evictlab/internal/lfu_lists.h"
#include "evictlab/key.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict>
class LFUEvictor final : public BaseEvictor<Dict> {
 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;

  // Throws ConfigError (field `max_cache_size_gb`) as OrderedEvictor does.
  // LFU takes no parameters: any in `params` is a ConfigError.
  explicit LFUEvictor(double max_cache_size_gb = 10.0,
                      const PolicyParams& params = {})
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)) {
    if (max_cache_size_ < 0) {
      throw ConfigError(
          "max_cache_size_gb",
          fmt::format("must not be negative, got {}", max_cache_size_gb));
    }
    params.check_all_used({});
  }
  LFUEvictor(LFUEvictor&&) = default;
  LFUEvictor& operator=(LFUEvictor&&) = default;
  LFUEvictor(const LFUEvictor&) = delete;
  LFUEvictor& operator=(const LFUEvictor&) = delete;

  // One more access of the key. O(1). Does not reorder the dict.
  void update_on_get(const key_type& key, Dict& cache_dict) override {
    hit(cache_dict, key);
  }

  // The simulator's hit path (evictor.h hit_if_resident): the nodes cover
  // exactly the resident keys, so one lookup (of the dict over the flat
  // dicts) is the hit test. A victim awaiting its removal is resident but
  // detached: a hit, without an access.
  bool hit(Dict& cache_dict, const key_type& key) {
    const Index n = node_of(cache_dict, key);
    if (n == kNone) return false;
    if (lists_.attached(n)) lists_.touch(n);
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
    forget_victims();
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    // One lookup of the re-put key: its old size and its node (skipped).
    const Index skip =
        incoming_key ? node_of(cache_dict, *incoming_key) : kNone;
    const std::int64_t old_size =
        skip != kNone ? evictlab::get_size(value_of(cache_dict, skip)) : 0;
    // 128-bit so that no sum of int64 sizes can overflow.
    __int128 excess = static_cast<__int128>(current_cache_size_) - old_size +
                      cache_size - max_cache_size_;
    if (excess > 0) {
      const bool old_pinned = skip != kNone && pins.pinned(*incoming_key);
      const __int128 freeable = static_cast<__int128>(current_cache_size_) -
                                pins.pinned_bytes() -
                                (old_pinned ? 0 : old_size);
      if (excess > freeable) return;  // cannot be satisfied: change nothing
    }
    while (excess > 0) {
      if (!take_victim(cache_dict, skip, pins, result.evict_keys, excess)) {
        // Only when `pins.pinned_bytes()` disagrees with `pins.pinned()`:
        // the put is ILLEGAL, but the victims chosen so far were detached
        // and come back as new objects (frequency 1, newest).
        for (const Index v : victims_) lists_.attach_new(v);
        forget_victims();
        result.evict_keys.clear();
        return;
      }
    }
    result.status = PutStatus::kLegal;
  }

  // The KV simulator's miss path (evictor.h decide_best_effort): decide's
  // search without the up-front check. When no unpinned object is left,
  // ILLEGAL with the victims chosen so far (detached: their frequencies are
  // forgotten when the caller removes them).
  template <class Pins>
  void decide_best_effort(Dict& cache_dict, std::int64_t cache_size,
                          const key_type* /*incoming_key*/,
                          PutResult<key_type>& result, const Pins& pins) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    forget_victims();
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    while (excess > 0) {
      if (!take_victim(cache_dict, kNone, pins, result.evict_keys, excess)) {
        return;
      }
    }
    result.status = PutStatus::kLegal;
  }

  // Up to n victims, chosen one by one by `decide`'s rule (each detached as
  // it is chosen); fewer when fewer objects are evictable. REQUIRES: the
  // caller removes them all before the next call.
  template <class Pins = NoPins>
  void candidates(Dict& cache_dict, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    forget_victims();
    __int128 freed = 0;
    while (out.size() < n && take_victim(cache_dict, kNone, pins, out, freed)) {
    }
  }

  // `d[key] = value`, accounted. A new key starts with frequency 1 as the
  // newest access; a resident key is overwritten in place (not an access:
  // its frequency and recency stay; a chosen victim stored over in place
  // starts again at 1, newest). Rejects a negative size
  // (std::invalid_argument) before changing anything. Strong guarantee.
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    const std::int64_t old_size =
        store_resident(cache_dict, key, std::move(value));
    // Nothing below throws.
    forget_victims();
    current_cache_size_ += new_size - old_size;
  }

  // `d.pop(key)`, accounted; the key's frequency is forgotten. Throws
  // KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    mapped_type value = pop_resident(cache_dict, key);
    current_cache_size_ -= evictlab::get_size(value);
    return value;
  }

  // The key's frequency in `cache_dict` (0 when it is not resident, or a
  // chosen victim). For tests and tools.
  std::uint64_t frequency(const Dict& cache_dict, const key_type& key) const {
    const Index n = node_of(cache_dict, key);
    return n != kNone && lists_.attached(n) ? lists_.frequency(n) : 0;
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  std::int64_t current_cache_size() const { return current_cache_size_; }

 private:
  using Lists = internal::LfuLists;
  using Index = Lists::Index;
  static constexpr Index kNone = Lists::kNone;
  // Over the flat dicts a node is the dict's entry number
  // (internal/entry_state.h); over the others, a side table maps keys to
  // the nodes' own numbers.
  static constexpr bool kByEntry = internal::kHasEntryNumbers<Dict>;

  // The node of a resident key, or kNone.
  Index node_of(const Dict& cache_dict, const key_type& key) const {
    if constexpr (kByEntry) {
      const auto e = cache_dict.find_entry(key);
      return e != Dict::kNoEntry ? static_cast<Index>(e) : kNone;
    } else {
      (void)cache_dict;
      const auto it = index_.find(key);
      return it != index_.end() ? it->second : kNone;
    }
  }
  // The key and the stored object of a resident node.
  const key_type& key_of(const Dict& cache_dict, Index n) const {
    if constexpr (kByEntry) {
      return cache_dict.key_of(n);
    } else {
      (void)cache_dict;
      return keys_[n];
    }
  }
  const mapped_type& value_of(const Dict& cache_dict, Index n) const {
    if constexpr (kByEntry) {
      return cache_dict.value_of(n);
    } else {
      return *cache_dict.find(keys_[n]);
    }
  }

  // The next victim in (frequency, last access) order, neither `skip` nor
  // pinned: appended to `out` (its key) and to victims_ (its node),
  // detached, its size taken from `excess`. False when none is left
  // (nothing changed). May throw std::bad_alloc from the appends, with this
  // victim not taken (the ones before it stand).
  template <class Pins>
  bool take_victim(const Dict& cache_dict, Index skip, const Pins& pins,
                   std::vector<key_type>& out, __int128& excess) {
    const Index v = lists_.first([&](Index n) {
      return n == skip || pins.pinned(key_of(cache_dict, n));
    });
    if (v == kNone) return false;
    out.push_back(key_of(cache_dict, v));
    try {
      victims_.push_back(v);
    } catch (...) {
      out.pop_back();
      throw;
    }
    excess -= evictlab::get_size(value_of(cache_dict, v));
    lists_.detach(v);
    return true;
  }
  // Ends the fast path of the last decision's victims (pop_resident).
  void forget_victims() {
    victims_.clear();
    next_victim_ = 0;
  }

  // `d[key] = value` and the key's node (see store). Returns the replaced
  // object's size (0 if none). Strong guarantee.
  std::int64_t store_resident(Dict& cache_dict, const key_type& key,
                              mapped_type value) {
    if constexpr (kByEntry) {
      if (const auto e = cache_dict.find_entry(key); e != Dict::kNoEntry) {
        // attach_new may throw (a new bucket): before anything changes.
        if (!lists_.attached(e)) lists_.attach_new(e);
        mapped_type& stored = cache_dict.value_of(e);
        const std::int64_t old_size = evictlab::get_size(stored);
        stored = std::move(value);
        return old_size;
      }
      const auto e = cache_dict.insert_or_assign(key, std::move(value)).first;
      try {
        // The slab grew: follow it to its new limit, exactly.
        if (e >= lists_.limit()) lists_.grow_to(cache_dict.entry_limit());
        lists_.attach_new(e);
      } catch (...) {
        cache_dict.erase(key);  // the dict is as it was
        throw;
      }
      return 0;
    } else {
      const mapped_type* old = cache_dict.find(key);
      const std::int64_t old_size = old ? evictlab::get_size(*old) : 0;
      const auto [it, fresh] = index_.try_emplace(key, kNone);
      if (!fresh) {
        const Index n = it->second;
        if (!lists_.attached(n)) lists_.attach_new(n);
        cache_dict.set(key, std::move(value));
        return old_size;
      }
      Index n;
      try {
        n = new_node(key);
      } catch (...) {
        index_.erase(it);
        throw;
      }
      try {
        lists_.attach_new(n);
        cache_dict.set(key, std::move(value));
      } catch (...) {
        lists_.release(n);
        index_.erase(it);
        throw;
      }
      it->second = n;
      return 0;
    }
  }

  // !kByEntry: a detached node holding a copy of `key` (keys_[n]): a freed
  // one (its key object assigned to, so a string reuses its buffer), or a
  // new one. Keeps keys_.size() == lists_.limit(). Strong guarantee.
  Index new_node(const key_type& key) {
    if (!lists_.has_free()) {
      keys_.push_back(key);
      try {
        return lists_.allocate();
      } catch (...) {
        keys_.pop_back();
        throw;
      }
    }
    const Index n = lists_.allocate();  // from the free list: no throw
    try {
      keys_[n] = key;
    } catch (...) {
      lists_.release(n);
      throw;
    }
    return n;
  }

  // `d.pop(key)`; the key's node is detached (if it was not a victim) and
  // forgotten. Throws KeyNotFoundError (nothing changes).
  mapped_type pop_resident(Dict& cache_dict, const key_type& key) {
    if constexpr (kByEntry) {
      // The caller removes the victims in the order given: the next one's
      // entry number is known and its node detached already, so only the
      // dict's pop is left. Any other removal ends the fast path for this
      // decision's victims (an entry consulted here is never a freed one).
      if (next_victim_ < victims_.size()) {
        if (cache_dict.key_of(victims_[next_victim_]) == key) {
          ++next_victim_;
          return cache_dict.pop(key);
        }
        forget_victims();
      }
      const auto e = cache_dict.find_entry(key);
      mapped_type value = cache_dict.pop(key);  // throws if absent
      if (lists_.attached(e)) lists_.detach(e);
      return value;
    } else {
      mapped_type value = cache_dict.pop(key);  // throws if absent
      forget_victims();
      if (const auto it = index_.find(key); it != index_.end()) {
        lists_.release(it->second);
        index_.erase(it);
      }
      return value;
    }
  }

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  Lists lists_;
  // The last decision's victims (decide, decide_best_effort, candidates), in
  // order, and the next one the caller is expected to remove; cleared by a
  // store, a removal out of that order, and the next decision.
  std::vector<Index> victims_;
  std::size_t next_victim_ = 0;
  // !kByEntry only (empty otherwise): key -> node, and each node's key.
  absl::flat_hash_map<key_type, Index, KeyHash<key_type>> index_;
  std::vector<key_type> keys_;
};

struct LFUPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"lfu",
      /*reproduces=*/
      "LFU, ties by oldest last access (SIM-SPEC section 4; libCacheSim LFU)",
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
  using Evictor = LFUEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_LFU_EVICTOR_H_
