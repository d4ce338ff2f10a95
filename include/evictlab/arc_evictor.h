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
//   negative size is ILLEGAL and changes nothing (no ghost lookup either).
// - A re-put (the incoming key is resident): its old bytes count as freed and
//   it is never its own victim. decide detaches it from its data list before
//   choosing victims (no ghost: the caller removes it next, a user removal),
//   so the rule sees the counters without it; no ghost lookup (a resident key
//   is no ghost). Its store is then a plain insert at L1's head.
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
// Memory: one slab of nodes (key, size, two 32-bit links, list tag: 32 bytes
// for a uint64 key) for resident and ghost entries alike, index-linked into
// the four lists, and one absl::flat_hash_map<key, uint32> slot per node
// (16 bytes + 1 control byte for a uint64 key). Freed nodes are reused
// through a free list, so the slab holds exactly the most ids ever tracked
// at once and allocates nothing per operation after that peak.
// PERFORMANCE WARNING: with one object size this is classical ARC's bound,
// l1 + l2 + g1 + g2 <= 2C. With variable sizes, SIM-SPEC's rule does not
// bound the ghost lists by 2C: a ghost hit evicts k >= 1 objects into them
// while removing one ghost, and G2 is trimmed only when l1 + g1 + s <= C.
// On cloudPhysics at 128 MiB the tracked bytes peak at 3.5C (libCacheSim
// comments out its own 2C assertion for this reason).
//
// Complexity: hit, store, remove O(1) (one map lookup); decide and candidates
// O(1) per victim (without pins; with pins, plus the pinned entries skipped
// at the tails). NOT thread-safe.
#ifndef EVICTLAB_ARC_EVICTOR_H_
#define EVICTLAB_ARC_EVICTOR_H_

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
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
  void update_on_get(const key_type& key, Dict& /*cache_dict*/) override {
    const auto it = index_.find(key);
    if (it == index_.end()) return;
    const Index i = it->second;
    const List list = nodes_[i].list;
    if (list == List::kL1 || (list == List::kL2 && queue(list).head != i)) {
      unlink(i);
      push_head(List::kL2, i);
    }
  }

  // The simulator's hit path (evictor.h hit_if_resident): one lookup of the
  // node table; a ghost (G1, G2) is not resident.
  bool hit(Dict& /*cache_dict*/, const key_type& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return false;
    const Index i = it->second;
    const List list = nodes_[i].list;
    if (list != List::kL1 && list != List::kL2) return false;
    if (list == List::kL1 || queue(list).head != i) {
      unlink(i);
      push_head(List::kL2, i);
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
    hit_g1_ = hit_g2_ = false;
    if (cache_size < 0) return;
    // One probe of the node table answers both questions of the miss path:
    // is the key resident (a re-put: its node holds the stored size), or a
    // ghost (the ghost hit of SIM-SPEC)?
    bool resident = false;
    std::int64_t old_size = 0;
    if (incoming_key != nullptr) {
      if (const auto it = index_.find(*incoming_key); it != index_.end()) {
        if (is_data(nodes_[it->second].list)) {
          resident = true;
          old_size = nodes_[it->second].size;
        } else {
          ghost_hit(it);
        }
      }
    }
    (void)cache_dict;
    if (cache_size > max_cache_size_) return;
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
    if (resident) forget_data(*incoming_key);
    while (excess > 0) {
      // Always finds a victim: the unpinned bytes cover the excess.
      evict_one(cache_size, pins, result.evict_keys, excess);
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
  void decide_best_effort(Dict& /*cache_dict*/, std::int64_t cache_size,
                          const key_type* incoming_key,
                          PutResult<key_type>& result, const Pins& pins) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    hit_g1_ = hit_g2_ = false;
    if (cache_size < 0) return;
    if (incoming_key != nullptr) {
      if (const auto it = index_.find(*incoming_key);
          it != index_.end() && !is_data(nodes_[it->second].list)) {
        ghost_hit(it);
      }
    }
    if (cache_size > max_cache_size_) return;
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    while (excess > 0) {
      if (!evict_one(cache_size, pins, result.evict_keys, excess)) return;
    }
    result.status = PutStatus::kLegal;
  }

  // Up to n victims by decide's eviction step (no ghost hit, s = 0), fewer
  // when fewer entries are evictable; committed like decide's.
  template <class Pins = NoPins>
  void candidates(Dict& /*cache_dict*/, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    hit_g1_ = hit_g2_ = false;
    __int128 freed = 0;
    while (out.size() < n && evict_one(0, pins, out, freed)) {
    }
  }

  // `d[key] = value`, accounted: the spec's insert (L2's head after a ghost
  // hit of this request, else L1's head); clears the flags. Rejects a
  // negative size (std::invalid_argument) before changing anything.
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    std::int64_t old_size = 0;  // the node of a resident key holds its size
    const List to = hit_g1_ || hit_g2_ ? List::kL2 : List::kL1;
    hit_g1_ = hit_g2_ = false;
    const auto [it, fresh] = index_.try_emplace(key, Index{0});
    if (!fresh) {
      const Index i = it->second;
      Node& node = nodes_[i];
      if (is_data(node.list)) {
        old_size = node.size;
        // Overwritten in place: same list, same position.
        queue(node.list).bytes += new_size - node.size;
        node.size = new_size;
      } else {
        // A ghost decide was not told of: dropped, its node reused.
        unlink(i);
        node.size = new_size;
        push_head(to, i);
      }
    } else {
      Index i;
      try {
        i = allocate(key, new_size);
      } catch (...) {
        index_.erase(it);
        throw;
      }
      it->second = i;
      push_head(to, i);
    }
    cache_dict.set(key, std::move(value));
    current_cache_size_ += new_size - old_size;
  }

  // `d.pop(key)`, accounted. A key with a data entry (a user removal) is
  // detached without a ghost; a victim's ghost stays. Throws
  // KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    mapped_type value = cache_dict.pop(key);
    forget_data(key);
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
  // Which list `key` is in (kNone: untracked).
  List list_of(const key_type& key) const {
    const auto it = index_.find(key);
    return it == index_.end() ? List::kNone : nodes_[it->second].list;
  }
  // A list's keys, head (newest) first. Allocates: not for hot paths.
  std::vector<key_type> keys_of(List list) const {
    std::vector<key_type> out;
    for (Index i = queue(list).head; i != kNil; i = nodes_[i].next) {
      out.push_back(nodes_[i].key);
    }
    return out;
  }
  // Nodes ever allocated (live + free): the most ids ever tracked at once.
  std::size_t slab_size() const { return nodes_.size(); }
  // Ids tracked now (resident and ghost) and their bytes, l1 + l2 + g1 + g2:
  // what the slab and the index must hold (see the PERFORMANCE WARNING).
  std::size_t tracked_ids() const { return index_.size(); }
  std::int64_t tracked_bytes() const {
    return bytes(List::kL1) + bytes(List::kL2) + bytes(List::kG1) +
           bytes(List::kG2);
  }

 private:
  using Index = std::uint32_t;
  static constexpr Index kNil = std::numeric_limits<Index>::max();

  struct Node {
    key_type key;
    std::int64_t size;
    Index prev;  // toward the head (newer); free list: unused
    Index next;  // toward the tail (older); free list: the next free node
    List list;
  };
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

  void unlink(Index i) {
    Node& node = nodes_[i];
    Queue& q = queue(node.list);
    if (node.prev != kNil) {
      nodes_[node.prev].next = node.next;
    } else {
      q.head = node.next;
    }
    if (node.next != kNil) {
      nodes_[node.next].prev = node.prev;
    } else {
      q.tail = node.prev;
    }
    q.bytes -= node.size;
    --q.count;
    node.list = List::kNone;
  }
  void push_head(List list, Index i) {
    Node& node = nodes_[i];
    Queue& q = queue(list);
    node.list = list;
    node.prev = kNil;
    node.next = q.head;
    if (q.head != kNil) {
      nodes_[q.head].prev = i;
    } else {
      q.tail = i;
    }
    q.head = i;
    q.bytes += node.size;
    ++q.count;
  }
  Index allocate(const key_type& key, std::int64_t size) {
    if (free_ != kNil) {
      const Index i = free_;
      Node& node = nodes_[i];
      free_ = node.next;
      node.key = key;
      node.size = size;
      return i;
    }
    if (nodes_.size() >= kNil) {
      throw std::length_error("arc: more than 2^32 - 1 tracked keys");
    }
    nodes_.push_back(Node{key, size, kNil, kNil, List::kNone});
    return static_cast<Index>(nodes_.size() - 1);
  }
  void release(Index i) {
    nodes_[i].next = free_;
    free_ = i;
  }
  // Unlinks node i, erases its key from the index, frees it.
  void forget(Index i) {
    unlink(i);
    index_.erase(nodes_[i].key);
    release(i);
  }
  // A resident key leaves its data list without a ghost (a user removal, a
  // re-put's old object). Victims already left: nothing to do for them.
  void forget_data(const key_type& key) {
    const auto it = index_.find(key);
    if (it == index_.end() || !is_data(nodes_[it->second].list)) return;
    const Index i = it->second;
    unlink(i);
    index_.erase(it);
    release(i);
  }

  // libCacheSim's MAX and MIN macros, which decide what NaN gives.
  static double spec_max(double a, double b) { return a > b ? a : b; }
  static double spec_min(double a, double b) { return a < b ? a : b; }

  // The spec's lookup of a key that is not resident.
  template <class It>
  void ghost_hit(It it) {
    const Index i = it->second;
    const double g1 = static_cast<double>(queue(List::kG1).bytes);
    const double g2 = static_cast<double>(queue(List::kG2).bytes);
    if (nodes_[i].list == List::kG1) {
      hit_g1_ = true;
      p_ = spec_min(p_ + spec_max(g2 / g1, 1.0),
                    static_cast<double>(max_cache_size_));
    } else if (nodes_[i].list == List::kG2) {
      hit_g2_ = true;
      p_ = spec_max(p_ - spec_max(g1 / g2, 1.0), 0.0);
    } else {
      return;  // unreachable: a data entry is resident
    }
    unlink(i);
    index_.erase(it);
    release(i);
  }

  // REPLACE's choice: true for L1.
  bool replace_takes_l1() const {
    const std::int64_t l1 = queue(List::kL1).bytes;
    const double l1d = static_cast<double>(l1);
    return (l1 > 0 && (l1d > p_ || (l1d == p_ && hit_g2_))) ||
           queue(List::kL2).bytes == 0;
  }

  template <class Pins>
  Index tail_most_evictable(List list, const Pins& pins) const {
    for (Index i = queue(list).tail; i != kNil; i = nodes_[i].prev) {
      if (!pins.pinned(nodes_[i].key)) return i;
    }
    return kNil;
  }

  // One eviction of SIM-SPEC's rule for an incoming object of `s` bytes:
  // appends the victim to `out`, subtracts its size from `excess`, commits
  // it. Returns false, changing nothing, when no entry is evictable.
  template <class Pins>
  bool evict_one(std::int64_t s, const Pins& pins, std::vector<key_type>& out,
                 __int128& excess) {
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
    Index v = tail_most_evictable(from, pins);
    if (v == kNil) {
      from = from == List::kL1 ? List::kL2 : List::kL1;
      v = tail_most_evictable(from, pins);
      if (v == kNil) return false;
    }
    if (drop_g1) forget(queue(List::kG1).tail);
    if (drop_g2) forget(queue(List::kG2).tail);
    out.push_back(nodes_[v].key);
    excess -= nodes_[v].size;
    if (outright) {
      forget(v);
    } else {
      unlink(v);
      push_head(from == List::kL1 ? List::kG1 : List::kG2, v);
    }
    return true;
  }

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  double p_ = 0.0;
  bool hit_g1_ = false;
  bool hit_g2_ = false;
  Queue queues_[4];
  std::vector<Node> nodes_;
  Index free_ = kNil;
  absl::flat_hash_map<key_type, Index, KeyHash<key_type>> index_;
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
