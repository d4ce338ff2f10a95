// S3FIFOEvictor: S3-FIFO (Yang et al., SOSP'23) exactly as SIM-SPEC section 4
// defines it (libCacheSim's S3FIFO). Policy `s3fifo`.
//
// Three FIFO queues, each with a head (newest) and a tail (oldest):
// - small S, capacity |S| = floor(C * fifo-size-ratio) bytes;
// - main M, capacity C - |S| bytes;
// - ghost G, capacity floor(C * ghost-size-ratio) bytes, holding ids and
//   sizes of objects evicted from S (it never counts towards occupancy).
// Occupancy is S + M (= current_cache_size() between operations). S and M
// may each exceed their own capacity; only their sum is bounded by C.
//
// Parameters (PolicyParams, read once in the constructor): `fifo-size-ratio`
// (default 0.10, in [0, 1]), `ghost-size-ratio` (0.90, in [0, 100]),
// `move-to-main-threshold` (2, in [0, 2^31 - 1]). Capacities are the double
// product truncated, as libCacheSim computes them.
//
// The rules (SIM-SPEC section 4), and where each happens here:
// - Hit (update_on_get): a key in S or M gets freq += 1. A key that is not
//   resident: nothing (no throw, G untouched). Nothing moves, the dict is
//   never reordered.
// - Miss-path lookup (decide, told a non-resident incoming key): if the id is
//   in G it is removed from G and "ghost hit" is remembered for this
//   request. This happens even when the put then turns out ILLEGAL (the
//   spec's lookup precedes admission), except for a negative size.
// - Admission (decide): ILLEGAL, nothing evicted, iff size > |S| (or < 0).
// - Evicting one object: from M if M's bytes > M's capacity or S is empty,
//   else from S.
//   - From S, until one object left the cache or S is exhausted: S's tail
//     with freq >= threshold moves to M's head with freq 0 (frees nothing);
//     otherwise it is the victim and its id and size go to G's head, after
//     G's tail is dropped until the entry fits (an entry larger than G's
//     capacity is not inserted; an id already in G cannot occur: G never
//     holds a resident id).
//   - From M, until one object is evicted or M is exhausted: M's tail with
//     freq >= 1 moves to M's head with freq = min(freq, 3) - 1; otherwise it
//     is the victim (it does not go into G).
//   decide evicts one object at a time until occupancy - freed + size <= C
//   and commits each step in its own queues at once; the caller's remove()
//   of a victim then only pops the dict and accounts.
// - Insert (store): after a ghost hit, M's head with freq 0. Otherwise, if
//   size >= |S|, the insertion is DECLINED: store() does not put the object
//   into the dict at all (the key is absent afterwards, current_cache_size()
//   unchanged by the store), although decide answered LEGAL and its
//   evictions stand (SIM-SPEC section 1: "an insertion that the policy then
//   declines keeps them"). Otherwise S's head with freq 0. The decision
//   uses the ghost-hit flag of the decide() just before; a store without a
//   decide that knew the key (update_on_put(d, size) has no key) does the G
//   lookup itself.
//
// Beyond the spec (the LMCache-style interface):
// - Pins: a pinned key is never a victim. A pinned S tail or M tail is
//   skipped: left in place, freq untouched, and the walk continues toward
//   the head (a pinned S entry is not promoted either). When a walk of the
//   chosen queue finds nothing it may take, the other queue is walked, and
//   then the first once more (the S walk may have promoted entries into M);
//   without pins this is exactly the spec's rule (an exhausted S is an empty
//   S). If the evictable bytes (current - pinned - the re-put key's old
//   bytes) cannot cover the excess, the put is ILLEGAL before any victim is
//   chosen and nothing changes but the miss-path lookup's G removal.
//   decide_best_effort (the KV simulator's) has no such check: it evicts
//   one object at a time until the object fits or nothing is left to take,
//   and what its walks did stands.
// - Re-put (incoming key resident): its old bytes count as freed; the walks
//   skip it as they skip a pinned key (it still counts in its queue's bytes
//   while they run); the caller then removes it and store() inserts the new
//   object as a new one (no ghost hit: a resident id is never in G), so it
//   loses its queue place and its freq.
// - User removal (remove() of a key still in S or M): detached without any
//   ghost bookkeeping. remove() of a victim only pops and accounts.
// - candidates(n): the same evict-one code as decide, n times or until
//   nothing is evictable, committed the same way.
// - store() of a key that is still resident (not removed first): the old
//   object is removed as by remove(), then the new one inserted as above.
//
// Dict order: never reordered; dict.keys() is the insertion order of the
// resident keys (declined inserts are absent).
//
// State. Resident objects and ghosts are kept apart, because only the
// resident ones are in the dict (as ARCEvictor does):
// - A resident object's slot is 12 bytes: its S/M links (two u32 numbers)
//   and one u32 holding freq (31 bits, saturating at 2^31 - 1, which no
//   threshold exceeds, so the rules see the same answers) and an "in M" bit.
//   Over the flat dicts (internal::kHasEntryNumbers: OrderedDict,
//   AbslOrderedDict) the slot is indexed by the dict's entry number, and the
//   object's size is read from the dict's value (get_size) when a queue's
//   bytes change: a hit is one probe of the dict, storing or removing an
//   object costs no table of S3-FIFO's own, and the slots array follows the
//   dict's slab (its entry_limit(), 1-2x the resident objects): 12 bytes per
//   slab slot. Over the node and naive dicts, a side table
//   (absl::flat_hash_map key -> slot) over a slab of keyed slots (links,
//   freq, size, key) with a free list.
// - A ghost (key, size, G links, the ghost table's 32 hash bits: 32 bytes
//   for a uint64 key) lives in a slab of its own with a free list, found
//   through internal::GhostTable (8-byte slots, at most half full). An S
//   victim's key is copied there (the dict pops it right after); a ghost hit
//   or a dropped tail frees its node, so the ghost slab holds the most
//   ghosts ever held at once and allocates nothing per operation after that
//   peak. A dropped tail is erased from the table by its stored hash (no key
//   is hashed).
// - Per request, the facts decide() established about its incoming key ("no
//   ghost of it now", "not in the dict") are remembered with a copy of the
//   key (a copy-assignment, which reuses a string's buffer), so the store()
//   of that same key asks neither the ghost table nor the dict again and is
//   one insert into the dict. hit()'s failed lookup is remembered the same
//   way for trivially copyable keys (the simulator's ids), for the decide()
//   that follows it.
// - Over the flat dicts the victims' entry numbers are kept in order, so the
//   caller's removal of each is the dict's pop alone (no probe to find its
//   slot).
//
// Invalidation: nothing the evictor hands out points into its state
// (keys_of copies). REQUIRES: every insertion into and removal from the dict
// goes through store/remove of this evictor (over the flat dicts the slots
// are the dict's entry numbers), and the caller removes decide's victims
// before its next call, as caller.h does.
//
// Complexity: a hit is one dict probe (over the flat dicts); a miss is O(1 +
// moves + victims + pinned entries passed), amortized O(1): an S->M move
// consumes hits, an M reinsertion consumes freq (at most 3 per hit). Per
// miss, one ghost-table probe (the incoming key), and per S victim one
// ghost insert and the dropped tails' erases. NOT thread-safe. decide's
// steps after its first victim have the basic exception guarantee (a
// victim's ghost is the one allocation: if it throws, that victim stays in
// S, the tails dropped before it and the earlier victims stand).
#ifndef EVICTLAB_S3FIFO_EVICTOR_H_
#define EVICTLAB_S3FIFO_EVICTOR_H_

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/internal/entry_state.h"
#include "evictlab/internal/ghost_table.h"
#include "evictlab/key.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

// Which queue an id is in (S3FIFOEvictor::queue_of).
enum class S3FIFOQueue : std::uint8_t { kNone, kSmall, kMain, kGhost };

template <class Dict>
class S3FIFOEvictor final : public BaseEvictor<Dict> {
 public:
  // decide() looks the incoming key up in the ghost list even when it is
  // not resident (caller.h put_new must pass it).
  static constexpr bool kMissLookupUsesKey = true;

  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;

  static constexpr double kDefaultFifoSizeRatio = 0.10;
  static constexpr double kDefaultGhostSizeRatio = 0.90;
  static constexpr std::int64_t kDefaultMoveToMainThreshold = 2;

  // Throws ConfigError for a negative limit (field `max_cache_size_gb`), a
  // bad parameter value ("<policy>.fifo-size-ratio" etc.) or an unknown
  // parameter name.
  explicit S3FIFOEvictor(double max_cache_size_gb = 10.0,
                         const PolicyParams& params = {})
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)) {
    if (max_cache_size_ < 0) {
      throw ConfigError(
          "max_cache_size_gb",
          fmt::format("must not be negative, got {}", max_cache_size_gb));
    }
    const double fifo_ratio =
        params.get_double("fifo-size-ratio", kDefaultFifoSizeRatio, 0.0, 1.0);
    const double ghost_ratio = params.get_double(
        "ghost-size-ratio", kDefaultGhostSizeRatio, 0.0, 100.0);
    threshold_ = static_cast<std::uint32_t>(
        params.get_int("move-to-main-threshold", kDefaultMoveToMainThreshold, 0,
                       std::numeric_limits<std::int32_t>::max()));
    params.check_all_used(
        {"fifo-size-ratio", "ghost-size-ratio", "move-to-main-threshold"});
    small_capacity_ =
        std::min(scaled(max_cache_size_, fifo_ratio), max_cache_size_);
    main_capacity_ = max_cache_size_ - small_capacity_;
    ghost_capacity_ = scaled(max_cache_size_, ghost_ratio);
  }

  // The hit rule: freq += 1 for a key in S or M (saturating at 2^31 - 1,
  // which every threshold stays within). A non-resident key: nothing. O(1).
  void update_on_get(const key_type& key, Dict& cache_dict) override {
    hit(cache_dict, key);
  }

  // The simulator's hit path (evictor.h hit_if_resident): one lookup of the
  // dict (over the flat dicts; of the side table over the others). A ghost
  // is not in the dict, and a victim awaiting its removal is in no queue:
  // neither is a hit.
  bool hit(Dict& cache_dict, const key_type& key) {
    const Index i = slot_of(cache_dict, key);
    if (i == kNil) {
      not_in_dict_.remember(key);
      return false;
    }
    Links& slot = slots_[i];
    if (slot.older == kDetached) return false;
    if (slot.freq != kMaxFreq) ++slot.freq;
    return true;
  }

  PutResult<key_type> update_on_put(Dict& cache_dict,
                                    std::int64_t cache_size) override {
    PutResult<key_type> result;
    decide(cache_dict, cache_size, nullptr, result);
    return result;
  }

  // The miss path (see the header comment): G lookup, admission, evictions.
  // `result` is cleared first; victims in eviction order.
  template <class Pins = NoPins>
  void decide(Dict& cache_dict, std::int64_t cache_size,
              const key_type* incoming_key, PutResult<key_type>& result,
              const Pins& pins = Pins{}) {
    begin_request(result);
    if (cache_size < 0) return;
    // The resident incoming key's slot (a re-put), or kNil.
    Index incoming = kNil;
    bool ghost_hit = false;
    if (incoming_key != nullptr) {
      // The ghost table first: a key is never both a ghost and resident, so
      // a ghost hit answers "not in the dict" too.
      ghost_hit = take_ghost(*incoming_key);
      bool absent = ghost_hit || not_in_dict_.holds(*incoming_key);
      if (!absent) {
        const Index i = slot_of(cache_dict, *incoming_key);
        absent = i == kNil;
        if (!absent && slots_[i].older != kDetached) incoming = i;
      }
      request_.remember(*incoming_key, absent);
    }
    if (cache_size > small_capacity_) return;  // not admissible
    const std::int64_t old_size =
        incoming != kNil ? size_of(cache_dict, incoming) : 0;
    // 128-bit so that no sum of int64 sizes can overflow.
    __int128 excess = static_cast<__int128>(current_cache_size_) - old_size +
                      cache_size - max_cache_size_;
    if (excess > 0) {
      const bool old_pinned = incoming != kNil && pins.pinned(*incoming_key);
      const __int128 evictable = static_cast<__int128>(current_cache_size_) -
                                 pins.pinned_bytes() -
                                 (old_pinned ? 0 : old_size);
      if (excess > evictable) return;  // cannot be satisfied
    }
    while (excess > 0) {
      const std::int64_t freed =
          evict_one(cache_dict, pins, incoming, result.evict_keys);
      // Unreachable when pinned_bytes() is honest (see pins.h): everything
      // evictable is gone. The victims so far are committed; let the caller
      // remove them rather than leave them stranded.
      if (freed < 0) break;
      excess -= freed;
    }
    pending_ghost_hit_ = ghost_hit;
    result.status = PutStatus::kLegal;
  }

  // The KV simulator's miss path (evictor.h decide_best_effort): the G
  // lookup, admission, then decide's evict-one rule one victim at a time
  // without the up-front check. When evict-one finds nothing it may take,
  // ILLEGAL with the victims so far; everything the walks did stands (S->M
  // moves, M reinsertions, S victims' ids in G, G's dropped tails), as
  // section 1's loop leaves it. REQUIRES: `incoming_key` is not in the dict
  // (caller.h put_best_effort's own REQUIRES; store() then trusts it).
  template <class Pins>
  void decide_best_effort(Dict& cache_dict, std::int64_t cache_size,
                          const key_type* incoming_key,
                          PutResult<key_type>& result, const Pins& pins) {
    begin_request(result);
    if (cache_size < 0) return;
    bool ghost_hit = false;
    if (incoming_key != nullptr) {
      ghost_hit = take_ghost(*incoming_key);
      request_.remember(*incoming_key, /*absent=*/true);
    }
    if (cache_size > small_capacity_) return;  // not admissible
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    while (excess > 0) {
      const std::int64_t freed =
          evict_one(cache_dict, pins, kNil, result.evict_keys);
      if (freed < 0) return;  // nothing left to take: the victims stand
      excess -= freed;
    }
    pending_ghost_hit_ = ghost_hit;
    result.status = PutStatus::kLegal;
  }

  // LMCache v1's get_evict_candidates: up to n victims by decide's evict-one
  // rule, committed as decide commits them; fewer when nothing more is
  // evictable. The caller removes them all before the next call.
  template <class Pins = NoPins>
  void candidates(Dict& cache_dict, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    pending_ghost_hit_ = false;
    victims_.clear();
    next_victim_ = 0;
    request_.forget();
    while (out.size() < n && evict_one(cache_dict, pins, kNil, out) >= 0) {
    }
  }

  // The spec's insert (see the header comment): into M after a ghost hit,
  // declined (NOT stored in the dict) if size >= |S|, else into S; freq 0.
  // Throws std::invalid_argument for a negative size before changing
  // anything; if the dict's insert throws (std::bad_alloc), a ghost of the
  // key and a resident old object of it are gone already (basic guarantee).
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t size = evictlab::get_size(value);
    if (size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", size));
    }
    bool ghost_hit = pending_ghost_hit_;
    pending_ghost_hit_ = false;
    victims_.clear();
    next_victim_ = 0;
    const Known known = request_.take(key);
    not_in_dict_.forget();  // the one call that adds a key to the dict
    // No decide() looked this key up (update_on_put(d, size) has no key):
    // the miss-path lookup happens now.
    if (!known.no_ghost && take_ghost(key)) ghost_hit = true;
    // Still resident: removed as remove() would, then inserted anew.
    if (!known.absent) {
      if (const Index i = slot_of(cache_dict, key); i != kNil) {
        pop_resident(cache_dict, key, i);
      }
    }
    if (!ghost_hit && size >= small_capacity_) return;  // declined
    insert_resident(cache_dict, key, std::move(value), size, ghost_hit);
    current_cache_size_ += size;
  }

  // `d.pop(key)`, accounted; a key still in S or M is detached without ghost
  // bookkeeping (user removal); a victim is only popped. Throws
  // KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    if constexpr (kByEntry) {
      // The caller removes the victims in the order given: the next one's
      // entry number is known and it is out of S and M already, so only the
      // dict's pop is left. Any other removal ends the fast path for this
      // decide's victims (an entry consulted here is never a freed one).
      if (next_victim_ < victims_.size()) {
        if (cache_dict.key_of(victims_[next_victim_]) == key) {
          ++next_victim_;
          mapped_type value = cache_dict.pop(key);
          current_cache_size_ -= evictlab::get_size(value);
          return value;
        }
        victims_.clear();
        next_victim_ = 0;
      }
      const auto e = cache_dict.find_entry(key);
      if (e == Dict::kNoEntry) return cache_dict.pop(key);  // throws
      const Index i = static_cast<Index>(e);
      if (slots_[i].older != kDetached) {
        unlink_resident(i, size_of(cache_dict, i));
      }
      mapped_type value = cache_dict.pop(key);
      current_cache_size_ -= evictlab::get_size(value);
      return value;
    } else {
      mapped_type value = cache_dict.pop(key);
      current_cache_size_ -= evictlab::get_size(value);
      if (const auto it = index_.find(key); it != index_.end()) {
        const Index i = it->second;
        unlink_resident(i, slots_[i].size);
        index_.erase(it);
        release_slot(i);
      }
      return value;
    }
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  // The largest object a put of a new key (no ghost hit) stores: below |S|
  // (SIM-SPEC's admission and decline rules). Callers and the contract suite
  // size their objects by it; the other policies store up to the limit.
  std::int64_t max_storable_size() const { return small_capacity_ - 1; }
  // The sum of the stored objects' sizes.
  std::int64_t current_cache_size() const { return current_cache_size_; }

  // Introspection (tests, tools). Capacities in bytes.
  std::int64_t small_capacity() const { return small_capacity_; }
  std::int64_t main_capacity() const { return main_capacity_; }
  std::int64_t ghost_capacity() const { return ghost_capacity_; }
  std::uint32_t move_to_main_threshold() const { return threshold_; }
  std::int64_t small_bytes() const { return small_.bytes; }
  std::int64_t main_bytes() const { return main_.bytes; }
  std::int64_t ghost_bytes() const { return ghost_.bytes; }
  std::size_t ghost_count() const { return ghost_index_.size(); }
  // Ghost nodes ever allocated (live + free): the most ghosts ever held at
  // once. The resident objects' slots follow the dict (header comment).
  std::size_t ghost_slab_size() const { return ghosts_.size(); }
  // Which queue `key` is in (kNone: untracked, or a victim not yet removed).
  S3FIFOQueue queue_of(const Dict& cache_dict, const key_type& key) const {
    if (ghost_index_.find(key, ghosts_).node != kNil) {
      return S3FIFOQueue::kGhost;
    }
    const Index i = slot_of(cache_dict, key);
    if (i == kNil || slots_[i].older == kDetached) return S3FIFOQueue::kNone;
    return slots_[i].in_main ? S3FIFOQueue::kMain : S3FIFOQueue::kSmall;
  }
  // The freq of a key in S or M; -1 otherwise.
  std::int64_t freq(const Dict& cache_dict, const key_type& key) const {
    const S3FIFOQueue queue = queue_of(cache_dict, key);
    if (queue != S3FIFOQueue::kSmall && queue != S3FIFOQueue::kMain) return -1;
    return slots_[slot_of(cache_dict, key)].freq;
  }
  // A queue's ids, tail (oldest) first. O(queue length), allocates.
  std::vector<key_type> keys_of(const Dict& cache_dict,
                                S3FIFOQueue queue) const {
    std::vector<key_type> out;
    if (queue == S3FIFOQueue::kGhost) {
      for (Index i = ghost_.tail; i != kNil; i = ghosts_[i].newer) {
        out.push_back(ghosts_[i].key);
      }
    } else if (queue == S3FIFOQueue::kSmall || queue == S3FIFOQueue::kMain) {
      const List& list = queue == S3FIFOQueue::kSmall ? small_ : main_;
      for (Index i = list.tail; i != kNil; i = slots_[i].newer) {
        out.push_back(slot_key(cache_dict, i));
      }
    }
    return out;
  }

 private:
  using Index = std::uint32_t;
  static constexpr Index kNil = std::numeric_limits<Index>::max();
  // `older` of a slot in no queue: a victim that decide has taken out of S
  // or M and the caller has yet to remove. Never a slot number (the slabs
  // stop below it).
  static constexpr Index kDetached = kNil - 1;
  static constexpr std::uint32_t kMaxFreq = 0x7fffffffu;
  // Over the flat dicts a resident object's slot is the dict's entry number
  // (internal/entry_state.h); over the others, a side table maps keys to
  // slots of a slab with a free list.
  static constexpr bool kByEntry = internal::kHasEntryNumbers<Dict>;

  // A resident object's place in S or M: 12 bytes.
  struct Links {
    Links() : freq(0), in_main(0) {}
    Index older = kNil;  // toward the tail; kDetached: in no queue
    Index newer = kNil;  // toward the head; the keyed slab's free list
    std::uint32_t freq : 31;
    std::uint32_t in_main : 1;
  };
  static_assert(sizeof(Links) == 12);
  struct Keyed : Links {
    explicit Keyed(const key_type& k) : key(k) {}
    std::int64_t size = 0;
    key_type key;
  };
  using Slot = std::conditional_t<kByEntry, Links, Keyed>;
  struct Ghost {
    key_type key;
    std::int64_t size = 0;
    Index older = kNil;
    Index newer = kNil;      // also the free list's link
    std::uint32_t hash = 0;  // GhostIndex::hash_of(key)
  };
  using GhostIndex = internal::GhostTable<key_type, KeyHash<key_type>>;
  struct List {
    Index head = kNil;
    Index tail = kNil;
    std::int64_t bytes = 0;
  };
  // What decide() knew about its incoming key, for the store() of that key.
  struct Known {
    bool no_ghost = false;  // it has no ghost
    bool absent = false;    // it is not in the dict
  };

  // floor(c * ratio) as libCacheSim computes it (a double product,
  // truncated), saturated at int64's maximum.
  static std::int64_t scaled(std::int64_t c, double ratio) {
    const double product = static_cast<double>(c) * ratio;
    if (product >= 9223372036854775808.0) {
      return std::numeric_limits<std::int64_t>::max();
    }
    return static_cast<std::int64_t>(product);
  }

  void begin_request(PutResult<key_type>& result) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    pending_ghost_hit_ = false;
    victims_.clear();
    next_victim_ = 0;
    request_.forget();
  }

  // --- Lists: S and M over slots_, G over ghosts_ (a list never mixes).

  template <class Nodes>
  static void unlink(Nodes& nodes, List& list, Index i, std::int64_t size) {
    auto& node = nodes[i];
    if (node.older != kNil) {
      nodes[node.older].newer = node.newer;
    } else {
      list.tail = node.newer;
    }
    if (node.newer != kNil) {
      nodes[node.newer].older = node.older;
    } else {
      list.head = node.older;
    }
    list.bytes -= size;
  }
  template <class Nodes>
  static void link_head(Nodes& nodes, List& list, Index i, std::int64_t size) {
    auto& node = nodes[i];
    node.newer = kNil;
    node.older = list.head;
    if (list.head != kNil) {
      nodes[list.head].newer = i;
    } else {
      list.tail = i;
    }
    list.head = i;
    list.bytes += size;
  }
  void unlink_resident(Index i, std::int64_t size) {
    unlink(slots_, slots_[i].in_main ? main_ : small_, i, size);
    slots_[i].older = kDetached;
  }
  void link_resident(bool to_main, Index i, std::int64_t size) {
    slots_[i].in_main = to_main ? 1 : 0;
    link_head(slots_, to_main ? main_ : small_, i, size);
  }

  // --- Resident objects, in slots_.

  // The slot of a key in the dict (or the side table), kNil if none.
  Index slot_of(const Dict& cache_dict, const key_type& key) const {
    if constexpr (kByEntry) {
      const auto e = cache_dict.find_entry(key);
      return e != Dict::kNoEntry ? static_cast<Index>(e) : kNil;
    } else {
      (void)cache_dict;
      const auto it = index_.find(key);
      return it != index_.end() ? it->second : kNil;
    }
  }
  const key_type& slot_key(const Dict& cache_dict, Index i) const {
    if constexpr (kByEntry) {
      return cache_dict.key_of(i);
    } else {
      (void)cache_dict;
      return slots_[i].key;
    }
  }
  // The stored object's size: over the flat dicts read from the dict's
  // value (every store came through store(), which sized it the same way).
  std::int64_t size_of(const Dict& cache_dict, Index i) const {
    if constexpr (kByEntry) {
      return evictlab::get_size(cache_dict.value_of(i));
    } else {
      (void)cache_dict;
      return slots_[i].size;
    }
  }

  // store()'s removal of a key still in the dict at slot `i`.
  void pop_resident(Dict& cache_dict, const key_type& key, Index i) {
    if constexpr (kByEntry) {
      if (slots_[i].older != kDetached) {
        unlink_resident(i, size_of(cache_dict, i));
      }
    } else {
      unlink_resident(i, slots_[i].size);
      index_.erase(key);
      release_slot(i);
    }
    current_cache_size_ -= evictlab::get_size(cache_dict.pop(key));
  }

  // `d[key] = value` for a key not in the dict, at S's (or, after a ghost
  // hit, M's) head with freq 0. Strong guarantee.
  void insert_resident(Dict& cache_dict, const key_type& key, mapped_type value,
                       std::int64_t size, bool to_main) {
    Index i;
    if constexpr (kByEntry) {
      const auto e = cache_dict.insert_or_assign(key, std::move(value)).first;
      if (e >= slots_.size()) {
        // The dict's slab grew: follow it to its new limit, exactly.
        try {
          if (cache_dict.entry_limit() > kDetached) {
            throw std::length_error("s3fifo: more than 2^32 - 2 entries");
          }
          slots_.reserve(cache_dict.entry_limit());
          slots_.resize(cache_dict.entry_limit());
        } catch (...) {
          cache_dict.erase(key);  // the dict is as it was
          throw;
        }
      }
      i = static_cast<Index>(e);
    } else {
      const auto [it, fresh] = index_.try_emplace(key, kNil);
      (void)fresh;  // fresh: the key is not in the dict (popped above)
      try {
        it->second = allocate_slot(key);
        cache_dict.set(key, std::move(value));
      } catch (...) {
        if (it->second != kNil) release_slot(it->second);
        index_.erase(it);
        throw;
      }
      i = it->second;
      slots_[i].size = size;
    }
    slots_[i].freq = 0;
    link_resident(to_main, i, size);
  }

  // The keyed slab (side-table dicts only). May throw, changing nothing.
  Index allocate_slot(const key_type& key) {
    if constexpr (!kByEntry) {
      if (slot_free_ != kNil) {
        const Index i = slot_free_;
        slots_[i].key = key;
        slot_free_ = slots_[i].newer;
        return i;
      }
      if (slots_.size() >= kDetached) {
        throw std::length_error("s3fifo: more than 2^32 - 2 ids");
      }
      slots_.emplace_back(key);
      return static_cast<Index>(slots_.size() - 1);
    } else {
      (void)key;
      return kNil;
    }
  }
  void release_slot(Index i) {
    slots_[i].older = kDetached;
    slots_[i].newer = slot_free_;
    slot_free_ = i;
  }

  // --- Ghosts: G, in ghosts_, found through ghost_index_.

  // The spec's miss-path lookup: removes a ghost of `key` from G; returns
  // whether there was one.
  bool take_ghost(const key_type& key) {
    if (ghost_index_.size() == 0) return false;
    const auto g =
        ghost_index_.find_hashed(key, GhostIndex::hash_of(key), ghosts_);
    if (g.node == kNil) return false;
    unlink(ghosts_, ghost_, g.node, ghosts_[g.node].size);
    ghost_index_.erase_at(g.pos);
    release_ghost(g.node);
    return true;
  }
  void drop_ghost_tail() {
    const Index i = ghost_.tail;
    ghost_index_.erase_hashed(ghosts_[i].hash, i);
    unlink(ghosts_, ghost_, i, ghosts_[i].size);
    release_ghost(i);
  }
  void release_ghost(Index i) {
    ghosts_[i].newer = ghost_free_;
    ghost_free_ = i;
  }
  // An S victim's id and size go to G's head, after dropping G's tail until
  // the entry fits; an entry larger than G is not kept at all. May throw
  // (std::bad_alloc, std::length_error, the key's copy) after the drops,
  // adding no ghost.
  void to_ghost(const key_type& key, std::int64_t size) {
    if (size > ghost_capacity_) return;
    while (ghost_.bytes + size > ghost_capacity_) drop_ghost_tail();
    const std::uint32_t h = GhostIndex::hash_of(key);
    Index i;
    if (ghost_free_ != kNil) {
      i = ghost_free_;
      ghosts_[i].key = key;
      ghost_free_ = ghosts_[i].newer;
    } else {
      if (ghosts_.size() >= kDetached) {
        throw std::length_error("s3fifo: more than 2^32 - 2 ghosts");
      }
      ghosts_.push_back(Ghost{key});
      i = static_cast<Index>(ghosts_.size() - 1);
    }
    try {
      ghost_index_.insert_hashed(h, i);
    } catch (...) {
      release_ghost(i);
      throw;
    }
    ghosts_[i].size = size;
    ghosts_[i].hash = h;
    link_head(ghosts_, ghost_, i, size);
  }

  // --- Evictions.

  // The spec's "evict one object": appends the victim's key to `out` and
  // returns its size, or -1 when no queue holds anything it may take.
  // `skip` (a re-put key's slot) and pinned keys are never taken.
  template <class Pins>
  std::int64_t evict_one(Dict& cache_dict, const Pins& pins, Index skip,
                         std::vector<key_type>& out) {
    const bool main_first = main_.bytes > main_capacity_ || small_.head == kNil;
    for (int attempt = 0; attempt < 3; ++attempt) {
      const bool from_main = main_first == (attempt != 1);
      const std::int64_t freed = from_main
                                     ? evict_main(cache_dict, pins, skip, out)
                                     : evict_small(cache_dict, pins, skip, out);
      if (freed >= 0) return freed;
    }
    return -1;
  }

  // Commits the victim at slot `i` of `list`, of `size` bytes: `out` and
  // (over the flat dicts) victims_ get it, it leaves its queue; an S victim
  // goes to G. May throw (the vectors' growth, the ghost), leaving the
  // victim in its queue.
  void take_victim(Dict& cache_dict, List& list, Index i, std::int64_t size,
                   bool to_g, std::vector<key_type>& out) {
    const key_type& key = slot_key(cache_dict, i);
    out.push_back(key);
    if constexpr (kByEntry) {
      try {
        victims_.push_back(i);
      } catch (...) {
        out.pop_back();
        throw;
      }
    }
    if (to_g) {
      try {
        to_ghost(key, size);
      } catch (...) {
        out.pop_back();
        if constexpr (kByEntry) victims_.pop_back();
        throw;
      }
    }
    unlink(slots_, list, i, size);
    slots_[i].older = kDetached;
    if constexpr (!kByEntry) {
      // The side table forgets the victim now; its removal only pops it.
      index_.erase(slots_[i].key);
      release_slot(i);
    }
  }

  template <class Pins>
  std::int64_t evict_small(Dict& cache_dict, const Pins& pins, Index skip,
                           std::vector<key_type>& out) {
    Index at = small_.tail;
    while (at != kNil) {
      Links& node = slots_[at];
      const Index newer = node.newer;
      if (at == skip || pins.pinned(slot_key(cache_dict, at))) {
        at = newer;
        continue;
      }
      const std::int64_t size = size_of(cache_dict, at);
      if (node.freq >= threshold_) {
        unlink(slots_, small_, at, size);
        node.freq = 0;
        link_resident(/*to_main=*/true, at, size);  // frees nothing
        at = newer;
        continue;
      }
      take_victim(cache_dict, small_, at, size, /*to_g=*/true, out);
      return size;
    }
    return -1;
  }

  template <class Pins>
  std::int64_t evict_main(Dict& cache_dict, const Pins& pins, Index skip,
                          std::vector<key_type>& out) {
    Index at = main_.tail;
    while (at != kNil) {
      Links& node = slots_[at];
      const Index newer = node.newer;
      if (at == skip || pins.pinned(slot_key(cache_dict, at))) {
        at = newer;
        continue;
      }
      const std::int64_t size = size_of(cache_dict, at);
      if (node.freq >= 1) {
        unlink(slots_, main_, at, size);
        node.freq = std::min<std::uint32_t>(node.freq, 3) - 1;
        link_head(slots_, main_, at, size);
        // Walking on toward the head; the moved node itself if it was the
        // head (then it is the tail of what is left to look at).
        at = newer != kNil ? newer : at;
        continue;
      }
      take_victim(cache_dict, main_, at, size, /*to_g=*/false, out);
      return size;
    }
    return -1;
  }

  // One key and what a lookup answered for it, so that the next call of the
  // same request does not ask the same table again. `kCopies`: any key is
  // remembered as a copy (a copy-assignment into the previous copy, which
  // for a std::string reuses its buffer); otherwise only trivially copyable
  // keys are, and for the others nothing is remembered.
  template <bool kCopies>
  class KeyMemo {
   public:
    void remember(const key_type& key, bool absent = true) {
      if constexpr (kEnabled) {
        valid_ = false;
        try {
          if (key_.has_value()) {
            *key_ = key;
          } else {
            key_.emplace(key);
          }
        } catch (...) {
          return;  // remembering is only a shortcut
        }
        absent_ = absent;
        valid_ = true;
      } else {
        (void)key;
        (void)absent;
      }
    }
    void forget() { valid_ = false; }
    bool holds(const key_type& key) const {
      if constexpr (kEnabled) {
        return valid_ && *key_ == key;
      } else {
        (void)key;
        return false;
      }
    }
    // What was remembered for `key` (nothing if another key), forgotten.
    Known take(const key_type& key) {
      const bool mine = holds(key);
      valid_ = false;
      return mine ? Known{true, absent_} : Known{};
    }

   private:
    static constexpr bool kEnabled =
        kCopies || std::is_trivially_copyable_v<key_type>;
    bool valid_ = false;
    bool absent_ = false;
    std::optional<key_type> key_;
  };

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  std::int64_t small_capacity_ = 0;
  std::int64_t main_capacity_ = 0;
  std::int64_t ghost_capacity_ = 0;
  std::uint32_t threshold_ = 2;
  // The last decide() removed its key from G: store() inserts into M. (A
  // decide that found no ghost needs no flag: the key is then not in G, and
  // store() finds any ghost it meets itself.)
  bool pending_ghost_hit_ = false;
  // decide()'s incoming key, after its lookups: it has no ghost (it had
  // none, or decide took it), and whether it is absent from the dict, until
  // the next store, decide, update_on_put or candidates (evict_one never
  // makes it a ghost: it is not resident, or a re-put that is skipped).
  KeyMemo<true> request_;
  // "Not in the dict": the last key hit() did not find, until a store.
  KeyMemo<false> not_in_dict_;
  List small_, main_, ghost_;
  // Resident objects' slots: by the dict's entry number (kByEntry: sized to
  // the dict's entry_limit(), free entries stale), else by index_ with a
  // free list.
  std::vector<Slot> slots_;
  Index slot_free_ = kNil;                                         // !kByEntry
  absl::flat_hash_map<key_type, Index, KeyHash<key_type>> index_;  // ditto
  // kByEntry: the entry numbers of the last decide's (or candidates')
  // victims, in order, and the next one the caller is expected to remove.
  std::vector<Index> victims_;
  std::size_t next_victim_ = 0;
  // Ghosts: their own slab with a free list, and their own table.
  std::vector<Ghost> ghosts_;
  Index ghost_free_ = kNil;
  GhostIndex ghost_index_;
};

struct S3FIFOPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"s3fifo",
      /*reproduces=*/
      "S3-FIFO, small/main/ghost FIFOs (SIM-SPEC section 4; libCacheSim "
      "S3FIFO)",
      /*promotes_on_hit=*/false,
      /*throws_on_missing_hit=*/false,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/true,
      /*victim_end=*/VictimEnd::kNone,
      /*per_entry_hit_state=*/true,
  };
  template <class Dict>
  using Evictor = S3FIFOEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_S3FIFO_EVICTOR_H_
