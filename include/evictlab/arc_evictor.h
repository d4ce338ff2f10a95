// ARCEvictor: byte-sized ARC with ghost lists, exactly as SIM-SPEC section 4
// defines it (libCacheSim's ARC computes the same). Policy `arc`.
//
// State: data lists L1 (seen once) and L2 (seen at least twice), ghost lists
// G1 and G2 (ids and sizes of evicted objects, never counted as occupancy),
// each with a head (newest) and a tail (oldest) and a byte counter
// `l1, l2, g1, g2`; the target `p`, a double that starts at 0; and the two
// flags of the current request, "this miss was a ghost hit in G1 / G2".
//
// - Hit (update_on_get) of an L1 entry: it moves to L2's head; of an L2
//   entry: to L2's head. A key that is not resident (absent, or a ghost):
//   nothing, no throw. The dict is never reordered: `dict.keys()` stays the
//   insertion order of the resident keys.
// - Miss (decide, told the incoming key, which is not resident): first the
//   spec's lookup. Both flags are reset (they belong to one request); if the
//   key is a ghost in G1, the G1 flag is set,
//   `p = min(p + max(g2 / g1, 1), C)` with g1 and g2 taken before this ghost
//   is removed, and the ghost is removed; symmetrically for G2 with
//   `p = max(p - max(g1 / g2, 1), 0)`. The ratio is a double division; `max`
//   and `min` are libCacheSim's `a > b ? a : b` and `a < b ? a : b`, which
//   only matters for size-0 ghosts: 0/0 is NaN and gives 1, x/0 is +inf and
//   gives p = C (or 0).
//   Then admission: a size above the limit is ILLEGAL. NOTE: the lookup
//   happens before the admission check, so a too-big request for a ghost
//   still moves p and removes the ghost, then nothing is evicted or stored -
//   SIM-SPEC section 1's order (lookup, then "cannot be admitted: stop"), and
//   what libCacheSim's cache_get_base does (find, then can_insert).
// - Then, while the object does not fit, one eviction at a time:
//   after a ghost hit of this request, REPLACE. Otherwise, with s the size
//   of the incoming object: if `l1 + g1 + s > C`: if `g1 > 0`, drop G1's tail
//   then REPLACE, else evict L1's tail outright (it goes into no ghost list).
//   Else: if `l1 + g1 + l2 + g2 >= 2C` and `g2 > 0`, drop G2's tail; then
//   REPLACE. REPLACE: if `(l1 > 0 and (l1 > p or (l1 == p and the G2 flag is
//   set))) or l2 == 0`, L1's tail moves to G1's head, else L2's tail moves to
//   G2's head. l1 is converted to double for the comparisons with p. The
//   victims move to the ghost lists right here, in decide; the caller's
//   remove() then only finishes the removal (dict pop and accounting).
// - Store is the spec's insert: after a ghost hit of this same request, at
//   L2's head, else at L1's head; it consumes (clears) the flags.
// - The flags belong to the request whose decide set them: decide and
//   candidates reset them first, store clears them. NOTE: libCacheSim resets
//   them only when the looked-up id is known (resident or ghost) and guards
//   the "after a ghost hit" branches with the request's time, but REPLACE's
//   `l1 == p and the G2 flag` test reads the raw flag; so after a too-big
//   G2-ghost request, libCacheSim can see a stale G2 flag in a later miss of
//   an unknown id. The spec's per-request flags win here (a too-big request
//   never reaches store, so its flags are simply dropped by the next miss).
//   On the shipped cloudPhysics trace no request is too big, and the counts
//   are equal (tests/arc_test.cc).
//
// The LMCache-style interface around the spec:
// - Exact accounting, as internal::OrderedEvictor: `current_cache_size()` is
//   the int64 sum of the stored sizes, owned through store/remove. A
//   negative size is ILLEGAL and changes nothing (no ghost lookup either);
//   so is, after the ghost lookup as any size above the limit, one above
//   kMaxObjectBytes (2^60 - 1: sizes share a word with the list tag).
// - A re-put (the incoming key is resident): its old bytes count as freed and
//   it is never its own victim. decide detaches it from its data list before
//   choosing victims (no ghost: the caller removes it next, a user removal),
//   so the rule sees the counters without it; its ghost lookup finds nothing
//   (a key is never both resident and a ghost). Its store is then a plain
//   insert at L1's head.
// - update_on_put (no incoming key): no ghost lookup, s = the size. A later
//   store of a key that is still a ghost drops that ghost silently (no p
//   move, no flag): decide was not told the key.
// - store of a resident key with a data entry (without the caller removing
//   it first) overwrites it in place: same list and position, its counter
//   adjusted.
// - remove of a resident key that decide did not choose (a user removal):
//   detached from L1/L2 without any ghost. remove of a victim only pops it.
//   KeyNotFoundError if absent (nothing changes; a ghost of that key stays).
// - Pins: a pinned key is never a victim. Each eviction takes the tail-most
//   unpinned entry of the list the rule names (L1 for "outright", L1 or L2
//   for REPLACE); if that list has none, the tail-most unpinned entry of the
//   other data list, handled by the same step (an outright victim goes into
//   no ghost list; a REPLACE victim goes to its own list's ghost list: L1 to
//   G1, L2 to G2). Ghost drops are not affected by pins. If the unpinned
//   bytes cannot make room (excess > current - pinned_bytes - the incoming
//   key's old size if it is resident and not pinned), the put is ILLEGAL and
//   nothing changes except what the miss lookup already did (p moved, ghost
//   removed: the request happened and was a ghost hit; the flags are dropped
//   by the next call, as after a too-big request). decide_best_effort (the
//   KV simulator's) has no such check: it takes victims step by step until
//   the object fits or no unpinned entry is left, and they stand (ILLEGAL:
//   the caller removes them and stores nothing).
// - candidates(n): up to n victims, one at a time by the same eviction step
//   as decide, for a request with no ghost hit and s = 0 (it resets the
//   flags: an eviction outside any request). Fewer when the unpinned entries
//   run out; the step that finds none changes nothing. The victims are
//   committed (moved to G1/G2 or dropped) as in decide; the caller removes
//   them all through remove() before the next call.
//
// Memory: resident objects and ghosts are kept apart, because only the
// resident ones are in the dict.
// - A resident object's slot (size and list tag in one word, two 32-bit
//   links of L1/L2: 16 bytes) is indexed by the dict's entry number over the
//   flat dicts (internal/entry_state.h): a hit is one probe of the dict, and
//   storing or removing an object costs no table of ARC's own. The slots array
//   follows the dict's slab (its capacity, 1-2x the resident objects). Over the
//   node and naive dicts, a side table key -> slot over a slab of keyed slots.
// - A ghost (key, size, links, tag: 24 bytes for a uint64 key) lives in a
//   slab of its own with a free list, found through a table of its own
//   (internal/ghost_table.h: 8-byte slots of node number and hash bits, at
//   most half full, no tombstones; it grows only past the most ghosts held
//   so far, so a full cache's steady state never rehashes). A victim of REPLACE
//   is copied there; a ghost hit or a drop frees its node, so the ghost slab
//   holds exactly the most ghosts ever held at once and allocates nothing per
//   operation after that peak.
// PERFORMANCE WARNING: with one object size this is classical ARC's bound,
// l1 + l2 + g1 + g2 <= 2C. With variable sizes, SIM-SPEC's rule does not
// bound the ghost lists by 2C: a ghost hit evicts k >= 1 objects into them
// while removing one ghost, and G2 is trimmed only when l1 + g1 + s <= C.
// On cloudPhysics at 128 MiB the tracked bytes peak at 3.5C (libCacheSim
// comments out its own 2C assertion for this reason).
//
// REQUIRES: every insertion into and removal from the dict goes through
// store/remove of this evictor (over the flat dicts the slots are the
// dict's entry numbers), and the caller removes decide's victims before its
// next call, as caller.h does.
//
// Complexity: hit O(1) (one dict probe); store and remove O(1) (the dict's
// operation, plus a ghost-table probe for a store); decide and candidates
// O(1) per victim (a ghost-table probe, an insert and at most two erases;
// with pins, plus the pinned entries skipped at the tails). NOT
// thread-safe; decide's steps after the first victim's have the basic
// exception guarantee (see evict_one).
#ifndef EVICTLAB_ARC_EVICTOR_H_
#define EVICTLAB_ARC_EVICTOR_H_

#include <fmt/format.h>

#include <cstdint>
#include <limits>
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

// ARC's four lists, and kNone for a key ARC does not track.
enum class ARCList : std::uint8_t { kL1 = 0, kL2 = 1, kG1 = 2, kG2 = 3, kNone };

template <class Dict>
class ARCEvictor final : public BaseEvictor<Dict> {
 public:
  // decide() looks the incoming key up in the ghost list even when it is
  // not resident (caller.h put_new must pass it).
  static constexpr bool kMissLookupUsesKey = true;

  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;
  using List = ARCList;
  // The largest object ARC holds (its slots keep sizes in 60 bits): a put
  // of a larger one is ILLEGAL, whatever the limit, and store() throws.
  static constexpr std::int64_t kMaxObjectBytes = (std::int64_t{1} << 60) - 1;

  // Throws ConfigError (field `max_cache_size_gb`) for a negative limit, and
  // ConfigError naming the field for any parameter (ARC takes none).
  explicit ARCEvictor(double max_cache_size_gb = 10.0,
                      const PolicyParams& params = {})
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)) {
    if (max_cache_size_ < 0) {
      throw ConfigError(
          "max_cache_size_gb",
          fmt::format("must not be negative, got {}", max_cache_size_gb));
    }
    params.check_all_used({});
  }

  // L1 -> L2's head, L2 -> L2's head; anything else: nothing. O(1).
  void update_on_get(const key_type& key, Dict& cache_dict) override {
    hit(cache_dict, key);
  }

  // The simulator's hit path (evictor.h hit_if_resident): one lookup of the
  // dict (over the flat dicts; of the side table over the others). A ghost
  // is not in the dict, and a victim awaiting its removal is in no data
  // list: neither is a hit.
  bool hit(Dict& cache_dict, const key_type& key) {
    const Index i = slot_of(cache_dict, key);
    if (i == kNil) {
      not_in_dict_.remember(key);
      return false;
    }
    const List list = slots_[i].list();
    if (!is_data(list)) return false;
    if (list == List::kL1 || queue(List::kL2).head != i) {
      move_to_head(slots_, list, List::kL2, i);
    }
    return true;
  }

  PutResult<key_type> update_on_put(Dict& cache_dict,
                                    std::int64_t cache_size) override {
    PutResult<key_type> result;
    decide(cache_dict, cache_size, nullptr, result);
    return result;
  }

  // The miss path: the ghost lookup, admission, then the victims, committed
  // (see the header comment). `incoming_key` may be null.
  template <class Pins = NoPins>
  void decide(Dict& cache_dict, std::int64_t cache_size,
              const key_type* incoming_key, PutResult<key_type>& result,
              const Pins& pins = Pins{}) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    victims_.clear();
    next_victim_ = 0;
    hit_g1_ = hit_g2_ = false;
    if (cache_size < 0) return;
    // The ghost table first: a key is never both a ghost and resident
    // (store drops a ghost of the key it stores), so a ghost hit answers
    // "not resident" too, and only a key that is no ghost (a re-put, or a
    // plain miss) costs a lookup of the dict as well.
    // The simulator's miss comes right after its failed hit(): then the
    // dict's answer is remembered (not_in_dict_) and not asked again.
    bool resident = false;
    std::int64_t old_size = 0;
    Index old_slot = kNil;
    no_ghost_.forget();
    if (incoming_key != nullptr) {
      if (const auto g = ghost_index_.find(*incoming_key, ghosts_);
          g.node != kNil) {
        ghost_hit(g);
      } else if (!not_in_dict_.holds(*incoming_key)) {
        old_slot = slot_of(cache_dict, *incoming_key);
        if (old_slot != kNil && is_data(slots_[old_slot].list())) {
          resident = true;
          old_size = slots_[old_slot].size();
        }
      }
      // Whether it was one or not, it is no ghost now (a resident key never
      // is one), until the next store.
      no_ghost_.remember(*incoming_key);
    }
    if (cache_size > max_cache_size_ || cache_size > kMaxObjectBytes) return;
    // 128-bit so that no sum of int64 sizes can overflow.
    __int128 excess = static_cast<__int128>(current_cache_size_) - old_size +
                      cache_size - max_cache_size_;
    if (excess > 0) {
      const bool old_pinned = resident && pins.pinned(*incoming_key);
      const __int128 freeable = static_cast<__int128>(current_cache_size_) -
                                pins.pinned_bytes() -
                                (old_pinned ? 0 : old_size);
      if (excess > freeable) return;  // cannot be satisfied
    }
    // The re-put's old object leaves its list without a ghost (the caller
    // removes it next), so the rule sees the counters without it.
    if (resident) unlink(slots_, old_slot);
    while (excess > 0) {
      // Always finds a victim: the unpinned bytes cover the excess.
      evict_one(cache_dict, cache_size, pins, result.evict_keys, excess);
    }
    result.status = PutStatus::kLegal;
  }

  // The KV simulator's miss path (evictor.h decide_best_effort): the ghost
  // lookup, admission, then decide's eviction step one victim at a time
  // without the up-front check. When a step finds no unpinned entry in
  // either data list (that step changes nothing: no ghost drop), ILLEGAL
  // with the victims so far: their moves to G1/G2 (or outright drops) and
  // the ghost drops before them stand, as do p and the flags of the lookup
  // (dropped by the next call). REQUIRES: `incoming_key` is not resident.
  template <class Pins>
  void decide_best_effort(Dict& cache_dict, std::int64_t cache_size,
                          const key_type* incoming_key,
                          PutResult<key_type>& result, const Pins& pins) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    victims_.clear();
    next_victim_ = 0;
    hit_g1_ = hit_g2_ = false;
    no_ghost_.forget();
    if (cache_size < 0) return;
    if (incoming_key != nullptr) {
      if (const auto g = ghost_index_.find(*incoming_key, ghosts_);
          g.node != kNil) {
        ghost_hit(g);
      }
      no_ghost_.remember(*incoming_key);
    }
    if (cache_size > max_cache_size_ || cache_size > kMaxObjectBytes) return;
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    while (excess > 0) {
      if (!evict_one(cache_dict, cache_size, pins, result.evict_keys, excess)) {
        return;
      }
    }
    result.status = PutStatus::kLegal;
  }

  // Up to n victims by decide's eviction step (no ghost hit, s = 0), fewer
  // when fewer entries are evictable; committed like decide's.
  template <class Pins = NoPins>
  void candidates(Dict& cache_dict, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    victims_.clear();
    next_victim_ = 0;
    hit_g1_ = hit_g2_ = false;
    no_ghost_.forget();
    __int128 freed = 0;
    while (out.size() < n && evict_one(cache_dict, 0, pins, out, freed)) {
    }
  }

  // `d[key] = value`, accounted: the spec's insert (L2's head after a ghost
  // hit of this request, else L1's head); clears the flags. Rejects a
  // negative size or one above kMaxObjectBytes (std::invalid_argument)
  // before changing anything. A ghost
  // of `key` that decide was not told of is dropped (no p move, no flag).
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    if (new_size > kMaxObjectBytes) {
      throw std::invalid_argument(
          fmt::format("store: object of {} bytes, above arc's {}", new_size,
                      kMaxObjectBytes));
    }
    const List to = hit_g1_ || hit_g2_ ? List::kL2 : List::kL1;
    const std::int64_t old_size =
        store_resident(cache_dict, key, std::move(value), new_size, to);
    // Nothing below throws.
    hit_g1_ = hit_g2_ = false;
    not_in_dict_.forget();  // the one call that adds a key to the dict
    victims_.clear();
    next_victim_ = 0;
    no_ghost_.forget();
    current_cache_size_ += new_size - old_size;
  }

  // `d.pop(key)`, accounted. A key with a data entry (a user removal) is
  // detached without a ghost; a victim (already in G1/G2 or dropped) is
  // only popped. Throws KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    mapped_type value = pop_resident(cache_dict, key);
    current_cache_size_ -= evictlab::get_size(value);
    return value;
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  std::int64_t current_cache_size() const { return current_cache_size_; }

  // Introspection, for tests and tools.
  double p() const { return p_; }
  std::int64_t bytes(List list) const { return queue(list).bytes; }
  std::size_t count(List list) const { return queue(list).count; }
  // The current request's flags (set by decide's ghost lookup).
  bool g1_flag() const { return hit_g1_; }
  bool g2_flag() const { return hit_g2_; }
  // Which list `key` is in (kNone: untracked, or a victim not yet removed).
  List list_of(const Dict& cache_dict, const key_type& key) const {
    if (const auto g = ghost_index_.find(key, ghosts_); g.node != kNil) {
      return ghosts_[g.node].list();
    }
    const Index i = slot_of(cache_dict, key);
    return i == kNil ? List::kNone : slots_[i].list();
  }
  // A list's keys, head (newest) first. Allocates: not for hot paths.
  std::vector<key_type> keys_of(const Dict& cache_dict, List list) const {
    std::vector<key_type> out;
    if (is_data(list)) {
      for (Index i = queue(list).head; i != kNil; i = slots_[i].next) {
        out.push_back(slot_key(cache_dict, i));
      }
    } else {
      for (Index i = queue(list).head; i != kNil; i = ghosts_[i].next) {
        out.push_back(ghosts_[i].key);
      }
    }
    return out;
  }
  // Ghost nodes ever allocated (live + free): the most ghosts ever held at
  // once. The resident objects' slots follow the dict (header comment).
  std::size_t slab_size() const { return ghosts_.size(); }
  // Ids tracked now (resident and ghost) and their bytes, l1 + l2 + g1 + g2
  // (see the PERFORMANCE WARNING).
  std::size_t tracked_ids() const {
    return count(List::kL1) + count(List::kL2) + count(List::kG1) +
           count(List::kG2);
  }
  std::int64_t tracked_bytes() const {
    return bytes(List::kL1) + bytes(List::kL2) + bytes(List::kG1) +
           bytes(List::kG2);
  }

 private:
  using Index = std::uint32_t;
  static constexpr Index kNil = std::numeric_limits<Index>::max();
  // Over the flat dicts a resident object's slot is the dict's entry number
  // (internal/entry_state.h); over the others, a side table maps keys to
  // slots of a slab with a free list.
  static constexpr bool kByEntry = internal::kHasEntryNumbers<Dict>;
  static constexpr int kTagBits = 3;  // List's five values
  static constexpr std::int64_t kTagMask = (std::int64_t{1} << kTagBits) - 1;

  // An object's place in its list. `list` kNone: a free slot, or a victim
  // that decide has taken out of L1/L2 and the caller has yet to remove.
  //
  // 16 bytes: the size and the list tag share one word (size << 3 | tag),
  // because over the flat dicts a resident object's state is one Links per
  // dict entry (with the tag in a field of its own, 24: issue 14's "bytes
  // per entry within lru's + 16"). Sizes stay below 2^60 (kMaxObjectBytes:
  // decide refuses larger objects, store throws for them), so the shift
  // never overflows and the word is never negative.
  struct Links {
    std::int64_t size() const { return word >> kTagBits; }
    List list() const { return static_cast<List>(word & kTagMask); }
    void set_size(std::int64_t size) {
      word = (size << kTagBits) | (word & kTagMask);
    }
    void set_list(List list) {
      word = (word & ~kTagMask) | static_cast<std::int64_t>(list);
    }

    std::int64_t word = static_cast<std::int64_t>(List::kNone);  // size 0
    Index prev = kNil;  // toward the head (newer); free list: unused
    Index next = kNil;  // toward the tail (older); free list: the next free
  };
  static_assert(sizeof(Links) == 16);
  struct Keyed : Links {
    key_type key;
  };
  using Slot = std::conditional_t<kByEntry, Links, Keyed>;
  using GhostIndex = internal::GhostTable<key_type, KeyHash<key_type>>;
  struct Queue {
    Index head = kNil;
    Index tail = kNil;
    std::int64_t bytes = 0;
    std::size_t count = 0;
  };

  static constexpr bool is_data(List list) {
    return list == List::kL1 || list == List::kL2;
  }
  Queue& queue(List list) { return queues_[static_cast<int>(list)]; }
  const Queue& queue(List list) const {
    return queues_[static_cast<int>(list)];
  }

  // The lists' links, in `nodes` (slots_ for L1 and L2, ghosts_ for G1 and
  // G2: a list never mixes the two).
  template <class Nodes>
  void unlink(Nodes& nodes, Index i) {
    Links& node = nodes[i];
    Queue& q = queue(node.list());
    if (node.prev != kNil) {
      nodes[node.prev].next = node.next;
    } else {
      q.head = node.next;
    }
    if (node.next != kNil) {
      nodes[node.next].prev = node.prev;
    } else {
      q.tail = node.prev;
    }
    q.bytes -= node.size();
    --q.count;
    node.set_list(List::kNone);
  }
  template <class Nodes>
  void push_head(Nodes& nodes, List list, Index i) {
    Links& node = nodes[i];
    Queue& q = queue(list);
    node.set_list(list);
    node.prev = kNil;
    node.next = q.head;
    if (q.head != kNil) {
      nodes[q.head].prev = i;
    } else {
      q.tail = i;
    }
    q.head = i;
    q.bytes += node.size();
    ++q.count;
  }

  // unlink + push_head of a node of list `from` to `to`'s head, with the
  // size read and the tag written once, and no byte counts moved when the
  // list stays the same (a hit of L2): the hit path.
  template <class Nodes>
  void move_to_head(Nodes& nodes, List from, List to, Index i) {
    Links& node = nodes[i];
    Queue& q = queue(from);
    if (node.prev != kNil) {
      nodes[node.prev].next = node.next;
    } else {
      q.head = node.next;
    }
    if (node.next != kNil) {
      nodes[node.next].prev = node.prev;
    } else {
      q.tail = node.prev;
    }
    Queue& t = queue(to);
    if (from != to) {
      const std::int64_t size = node.size();
      q.bytes -= size;
      --q.count;
      t.bytes += size;
      ++t.count;
      node.set_list(to);
    }
    node.prev = kNil;
    node.next = t.head;
    if (t.head != kNil) {
      nodes[t.head].prev = i;
    } else {
      t.tail = i;
    }
    t.head = i;
  }

  // --- Resident objects: L1 and L2, in slots_.

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

  // `d[key] = value` and the key's slot: a resident key with a data entry
  // is overwritten in place (same list and position, its counter
  // adjusted); any other key goes to `to`'s head, dropping a ghost of it.
  // Returns the replaced object's size (0 if none). Strong guarantee.
  std::int64_t store_resident(Dict& cache_dict, const key_type& key,
                              mapped_type value, std::int64_t new_size,
                              List to) {
    if constexpr (kByEntry) {
      // One probe: the dict's insert says whether the key was there. Every
      // live entry's slot holds its stored size (all stores come here).
      const auto [e, inserted] =
          cache_dict.insert_or_assign(key, std::move(value));
      if (!inserted) {
        Links& node = slots_[e];
        const std::int64_t old_size = node.size();
        if (is_data(node.list())) {
          queue(node.list()).bytes += new_size - node.size();
          node.set_size(new_size);
        } else {
          // A victim stored again before its removal: a fresh object, and
          // its ghost goes (a key is never both).
          drop_ghost_of(key);
          node.set_size(new_size);
          push_head(slots_, to, static_cast<Index>(e));
        }
        return old_size;
      }
      if (e >= slots_.size()) {
        // The dict's slab grew: follow it to its new limit, exactly.
        try {
          slots_.reserve(cache_dict.entry_limit());
          slots_.resize(cache_dict.entry_limit());
        } catch (...) {
          cache_dict.erase(key);  // the dict is as it was
          throw;
        }
      }
      drop_ghost_of(key);
      slots_[e].set_size(new_size);
      push_head(slots_, to, static_cast<Index>(e));
      return 0;
    } else {
      const mapped_type* old = cache_dict.find(key);
      const std::int64_t old_size = old ? evictlab::get_size(*old) : 0;
      const auto [it, fresh] = index_.try_emplace(key, kNil);
      if (fresh) {
        try {
          it->second = allocate(slots_, slot_free_, key);
          cache_dict.set(key, std::move(value));
        } catch (...) {
          if (it->second != kNil) release(slots_, slot_free_, it->second);
          index_.erase(it);
          throw;
        }
      } else {
        cache_dict.set(key, std::move(value));
      }
      const Index i = it->second;
      Links& node = slots_[i];
      if (!fresh && is_data(node.list())) {
        queue(node.list()).bytes += new_size - node.size();
        node.set_size(new_size);
      } else {
        if (fresh) drop_ghost_of(key);
        node.set_size(new_size);
        push_head(slots_, to, i);
      }
      return old_size;
    }
  }

  // `d.pop(key)`; a key still in L1/L2 leaves it (no ghost), a victim's
  // slot is freed. Throws KeyNotFoundError (nothing changes).
  mapped_type pop_resident(Dict& cache_dict, const key_type& key) {
    if constexpr (kByEntry) {
      // The caller removes the victims in the order given: the next one's
      // entry number is known, and it is out of L1/L2 already, so only the
      // dict's pop is left. Any other removal ends the fast path for this
      // decide's victims (an entry consulted here is never a freed one).
      if (next_victim_ < victims_.size()) {
        if (cache_dict.key_of(victims_[next_victim_]) == key) {
          ++next_victim_;
          return cache_dict.pop(key);
        }
        victims_.clear();
        next_victim_ = 0;
      }
      const auto e = cache_dict.find_entry(key);
      mapped_type value = cache_dict.pop(key);  // throws if absent
      if (is_data(slots_[e].list())) unlink(slots_, static_cast<Index>(e));
      return value;
    } else {
      mapped_type value = cache_dict.pop(key);
      if (const auto it = index_.find(key); it != index_.end()) {
        const Index i = it->second;
        if (is_data(slots_[i].list())) unlink(slots_, i);
        index_.erase(it);
        release(slots_, slot_free_, i);
      }
      return value;
    }
  }

  // --- Ghosts: G1 and G2, in ghosts_, found through ghost_index_.

  // A free node of `nodes` (reused, or new) holding `key`. May throw
  // (std::bad_alloc, std::length_error, the key's copy), changing nothing.
  template <class Nodes>
  static Index allocate(Nodes& nodes, Index& free, const key_type& key) {
    if (free != kNil) {
      const Index i = free;
      nodes[i].key = key;
      free = nodes[i].next;
      return i;
    }
    if (nodes.size() >= kNil) {
      throw std::length_error("arc: more than 2^32 - 1 tracked keys");
    }
    nodes.push_back(Keyed{Links{}, key});
    return static_cast<Index>(nodes.size() - 1);
  }
  template <class Nodes>
  static void release(Nodes& nodes, Index& free, Index i) {
    nodes[i].set_list(List::kNone);
    nodes[i].next = free;
    free = i;
  }

  // A victim of `size` bytes becomes a ghost at `list`'s head. May throw
  // (std::bad_alloc, std::length_error), changing nothing.
  void add_ghost(List list, const key_type& key, std::int64_t size) {
    const Index i = allocate(ghosts_, ghost_free_, key);
    try {
      ghost_index_.insert(key, i);
    } catch (...) {
      release(ghosts_, ghost_free_, i);
      throw;
    }
    ghosts_[i].set_size(size);
    push_head(ghosts_, list, i);
  }
  void forget_ghost(const typename GhostIndex::Found& g) {
    unlink(ghosts_, g.node);
    ghost_index_.erase_at(g.pos);
    release(ghosts_, ghost_free_, g.node);
  }
  void drop_ghost_tail(List list) {
    // The tail's node number is known: its slot is found by number.
    const Index i = queue(list).tail;
    ghost_index_.erase(ghosts_[i].key, i);
    unlink(ghosts_, i);
    release(ghosts_, ghost_free_, i);
  }
  void drop_ghost_of(const key_type& key) {
    if (no_ghost_.holds(key)) return;  // decide's lookup, this request
    if (queue(List::kG1).count == 0 && queue(List::kG2).count == 0) return;
    if (const auto g = ghost_index_.find(key, ghosts_); g.node != kNil) {
      forget_ghost(g);
    }
  }

  // libCacheSim's MAX and MIN macros, which decide what NaN gives.
  static double spec_max(double a, double b) { return a > b ? a : b; }
  static double spec_min(double a, double b) { return a < b ? a : b; }

  // The spec's lookup of a key that is not resident, found in G1 or G2.
  void ghost_hit(const typename GhostIndex::Found& g) {
    const double g1 = static_cast<double>(queue(List::kG1).bytes);
    const double g2 = static_cast<double>(queue(List::kG2).bytes);
    if (ghosts_[g.node].list() == List::kG1) {
      hit_g1_ = true;
      p_ = spec_min(p_ + spec_max(g2 / g1, 1.0),
                    static_cast<double>(max_cache_size_));
    } else {
      hit_g2_ = true;
      p_ = spec_max(p_ - spec_max(g1 / g2, 1.0), 0.0);
    }
    forget_ghost(g);
  }

  // REPLACE's choice: true for L1.
  bool replace_takes_l1() const {
    const std::int64_t l1 = queue(List::kL1).bytes;
    const double l1d = static_cast<double>(l1);
    return (l1 > 0 && (l1d > p_ || (l1d == p_ && hit_g2_))) ||
           queue(List::kL2).bytes == 0;
  }

  template <class Pins>
  Index tail_most_evictable(const Dict& cache_dict, List list,
                            const Pins& pins) const {
    for (Index i = queue(list).tail; i != kNil; i = slots_[i].prev) {
      if (!pins.pinned(slot_key(cache_dict, i))) return i;
    }
    return kNil;
  }

  // One eviction of SIM-SPEC's rule for an incoming object of `s` bytes:
  // appends the victim to `out`, subtracts its size from `excess`, commits
  // it. Returns false, changing nothing, when no entry is evictable.
  // NOTE: a REPLACE victim's ghost is the one allocation here (the ghost
  // table may grow). If it throws, the victim stays where it was, but this
  // step's ghost drop and the earlier steps' victims stand: the basic
  // guarantee (every list consistent; those victims are out of L1/L2 and
  // still in the dict, and the caller, seeing the exception, does not
  // remove them).
  template <class Pins>
  bool evict_one(Dict& cache_dict, std::int64_t s, const Pins& pins,
                 std::vector<key_type>& out, __int128& excess) {
    const __int128 l1 = queue(List::kL1).bytes;
    const __int128 l2 = queue(List::kL2).bytes;
    const __int128 g1 = queue(List::kG1).bytes;
    const __int128 g2 = queue(List::kG2).bytes;
    const __int128 c = max_cache_size_;
    bool drop_g1 = false;
    bool drop_g2 = false;
    bool outright = false;
    if (!hit_g1_ && !hit_g2_) {
      if (l1 + g1 + s > c) {
        drop_g1 = g1 > 0;
        outright = !drop_g1;
      } else {
        drop_g2 = l1 + g1 + l2 + g2 >= 2 * c && g2 > 0;
      }
    }
    // REPLACE's choice reads l1, l2, p and the G2 flag only, so it can be
    // made before the ghost drop that the spec does first.
    List from = outright || replace_takes_l1() ? List::kL1 : List::kL2;
    Index v = tail_most_evictable(cache_dict, from, pins);
    if (v == kNil) {
      from = from == List::kL1 ? List::kL2 : List::kL1;
      v = tail_most_evictable(cache_dict, from, pins);
      if (v == kNil) return false;
    }
    const key_type& key = slot_key(cache_dict, v);
    const std::int64_t size = slots_[v].size();
    out.push_back(key);
    if constexpr (kByEntry) {
      try {
        victims_.push_back(v);
      } catch (...) {
        out.pop_back();
        throw;
      }
    }
    // The spec's order: the drop first (its node is the one the new ghost
    // reuses, so the ghost slab peaks at the most ghosts held at once).
    if (drop_g1) drop_ghost_tail(List::kG1);
    if (drop_g2) drop_ghost_tail(List::kG2);
    if (!outright) {
      try {
        add_ghost(from == List::kL1 ? List::kG1 : List::kG2, key, size);
      } catch (...) {
        out.pop_back();  // the victim stays in its list
        if constexpr (kByEntry) victims_.pop_back();
        throw;
      }
    }
    excess -= size;
    unlink(slots_, v);
    if constexpr (!kByEntry) {
      // The side table forgets the victim now; its removal only pops it.
      index_.erase(slots_[v].key);
      release(slots_, slot_free_, v);
    }
    return true;
  }

  // One key a lookup has just answered for, so that the next call of the
  // same request does not ask the same table again: the simulator's
  // hit() -> decide() -> store() asks the dict, then the ghost table, once
  // each. Kept for trivially copyable keys only (the simulator's integer
  // ids), where remembering is a copy of a word and checking a compare;
  // for other keys it remembers nothing and every lookup is made.
  class KeyMemo {
   public:
    void remember(const key_type& key) {
      if constexpr (kCheap) {
        key_ = key;
        valid_ = true;
      }
    }
    void forget() { valid_ = false; }
    bool holds(const key_type& key) const {
      if constexpr (kCheap) {
        return valid_ && key_ == key;
      } else {
        return false;
      }
    }

   private:
    static constexpr bool kCheap = std::is_trivially_copyable_v<key_type>;
    bool valid_ = false;
    std::conditional_t<kCheap, key_type, bool> key_{};
  };

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  double p_ = 0.0;
  bool hit_g1_ = false;
  bool hit_g2_ = false;
  // "Not in the dict": the last key hit() did not find, until a store.
  KeyMemo not_in_dict_;
  // "No ghost": decide's incoming key after its lookup, until the next
  // store, decide or candidates (evict_one never makes it a ghost: it is
  // not resident, or a re-put taken out of its list first).
  KeyMemo no_ghost_;
  Queue queues_[4];
  // Resident objects' slots: by the dict's entry number (kByEntry: sized to
  // the dict's entry_limit(), free entries stale), else by index_ with a
  // free list.
  std::vector<Slot> slots_;
  Index slot_free_ = kNil;  // !kByEntry only
  absl::flat_hash_map<key_type, Index, KeyHash<key_type>> index_;  // ditto
  // kByEntry: the entry numbers of the last decide's (or candidates')
  // victims, in order, and the next one the caller is expected to remove.
  std::vector<Index> victims_;
  std::size_t next_victim_ = 0;
  // Ghosts: their own slab with a free list, and their own table.
  std::vector<Keyed> ghosts_;
  Index ghost_free_ = kNil;
  GhostIndex ghost_index_;
};

struct ARCPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"arc",
      /*reproduces=*/
      "byte-sized ARC with ghost lists (SIM-SPEC section 4; libCacheSim ARC)",
      /*promotes_on_hit=*/false,
      /*throws_on_missing_hit=*/false,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/true,
      // Even in a cache never hit, a ghost hit inserts into L2, and REPLACE
      // may then take L2's tail before older L1 entries.
      /*victim_end=*/VictimEnd::kNone,
      /*per_entry_hit_state=*/true,
  };
  template <class Dict>
  using Evictor = ARCEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_ARC_EVICTOR_H_
