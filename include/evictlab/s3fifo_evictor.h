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
// State: one slab of nodes {key, size, two u32 links, u32 freq, u8 queue}
// (32 bytes for a uint64 key), one node per resident or ghost id, linked
// into S, M or G by index, plus an absl::flat_hash_map key -> node index
// (16-byte slot + 1 control byte, at a load of 7/16 to 7/8). For a uint64
// key that is 52 to 71 bytes per resident object and per ghost entry,
// beside the dict (a std::string key is stored twice, in node and map).
// Freed nodes go to a free list: no allocation per operation in steady
// state.
//
// Complexity: a hit is one hash lookup; a miss is O(1 + moves + victims +
// pinned entries passed), amortized O(1): an S->M move consumes hits, an M
// reinsertion consumes freq (at most 3 per hit). NOT thread-safe.
#ifndef EVICTLAB_S3FIFO_EVICTOR_H_
#define EVICTLAB_S3FIFO_EVICTOR_H_

#include <fmt/format.h>

#include <algorithm>
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

  // The hit rule: freq += 1 for a key in S or M (saturating at 2^32 - 1,
  // which every threshold stays below). A non-resident key: nothing. O(1).
  void update_on_get(const key_type& key, Dict& /*cache_dict*/) override {
    if (auto it = index_.find(key); it != index_.end()) {
      Node& node = nodes_[it->second];
      if (node.queue != S3FIFOQueue::kGhost && node.freq != kMaxFreq) {
        ++node.freq;
      }
    }
  }

  // The simulator's hit path (evictor.h hit_if_resident): one lookup of the
  // node table; a ghost is not resident.
  bool hit(Dict& /*cache_dict*/, const key_type& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return false;
    Node& node = nodes_[it->second];
    if (node.queue == S3FIFOQueue::kGhost) return false;
    if (node.freq != kMaxFreq) ++node.freq;
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
  void decide(Dict& /*cache_dict*/, std::int64_t cache_size,
              const key_type* incoming_key, PutResult<key_type>& result,
              const Pins& pins = Pins{}) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    pending_ghost_hit_ = false;
    if (cache_size < 0) return;
    // The resident incoming key's node (a re-put), or kNil.
    std::uint32_t incoming = kNil;
    bool ghost_hit = false;
    if (incoming_key != nullptr) {
      if (auto it = index_.find(*incoming_key); it != index_.end()) {
        if (nodes_[it->second].queue == S3FIFOQueue::kGhost) {
          unlink(ghost_, it->second);
          release(it->second);
          index_.erase(it);
          ghost_hit = true;
        } else {
          incoming = it->second;
        }
      }
    }
    if (cache_size > small_capacity_) return;  // not admissible
    const std::int64_t old_size = incoming != kNil ? nodes_[incoming].size : 0;
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
      const std::int64_t freed = evict_one(pins, incoming, result.evict_keys);
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
  // section 1's loop leaves it. REQUIRES: `incoming_key` is not resident.
  template <class Pins>
  void decide_best_effort(Dict& /*cache_dict*/, std::int64_t cache_size,
                          const key_type* incoming_key,
                          PutResult<key_type>& result, const Pins& pins) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    pending_ghost_hit_ = false;
    if (cache_size < 0) return;
    bool ghost_hit = false;
    if (incoming_key != nullptr) {
      if (auto it = index_.find(*incoming_key);
          it != index_.end() &&
          nodes_[it->second].queue == S3FIFOQueue::kGhost) {
        unlink(ghost_, it->second);
        release(it->second);
        index_.erase(it);
        ghost_hit = true;
      }
    }
    if (cache_size > small_capacity_) return;  // not admissible
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    while (excess > 0) {
      const std::int64_t freed = evict_one(pins, kNil, result.evict_keys);
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
  void candidates(Dict& /*cache_dict*/, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    pending_ghost_hit_ = false;
    while (out.size() < n && evict_one(pins, kNil, out) >= 0) {
    }
  }

  // The spec's insert (see the header comment): into M after a ghost hit,
  // declined (NOT stored in the dict) if size >= |S|, else into S; freq 0.
  // Throws std::invalid_argument for a negative size before changing
  // anything.
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t size = evictlab::get_size(value);
    if (size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", size));
    }
    bool ghost_hit = pending_ghost_hit_;
    pending_ghost_hit_ = false;
    auto [it, inserted] = index_.try_emplace(key, kNil);
    std::uint32_t index = it->second;
    if (!inserted) {
      Node& node = nodes_[index];
      if (node.queue == S3FIFOQueue::kGhost) {
        // No decide() looked the key up (update_on_put(d, size) has no
        // key): the miss-path lookup happens now.
        unlink(ghost_, index);
        ghost_hit = true;
      } else {
        // Still resident: remove it as remove() would, then insert anew.
        unlink(node.queue == S3FIFOQueue::kSmall ? small_ : main_, index);
        current_cache_size_ -= evictlab::get_size(cache_dict.pop(key));
      }
    }
    if (!ghost_hit && size >= small_capacity_) {  // declined
      if (index != kNil) release(index);
      index_.erase(it);
      return;
    }
    if (index == kNil) {
      try {
        index = acquire(key);
      } catch (...) {
        index_.erase(it);
        throw;
      }
      it->second = index;
    }
    Node& node = nodes_[index];
    node.size = size;
    node.freq = 0;
    push_head(ghost_hit ? main_ : small_, index,
              ghost_hit ? S3FIFOQueue::kMain : S3FIFOQueue::kSmall);
    cache_dict.set(key, std::move(value));
    current_cache_size_ += size;
  }

  // `d.pop(key)`, accounted; a key still in S or M is detached without ghost
  // bookkeeping (user removal). Throws KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    mapped_type value = cache_dict.pop(key);
    current_cache_size_ -= evictlab::get_size(value);
    if (auto it = index_.find(key); it != index_.end()) {
      const std::uint32_t index = it->second;
      const S3FIFOQueue queue = nodes_[index].queue;
      if (queue != S3FIFOQueue::kGhost) {
        unlink(queue == S3FIFOQueue::kSmall ? small_ : main_, index);
        release(index);
        index_.erase(it);
      }
    }
    return value;
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
  S3FIFOQueue queue_of(const key_type& key) const {
    const auto it = index_.find(key);
    return it == index_.end() ? S3FIFOQueue::kNone : nodes_[it->second].queue;
  }
  // The freq of a key in S or M; -1 otherwise.
  std::int64_t freq(const key_type& key) const {
    const auto it = index_.find(key);
    if (it == index_.end() || nodes_[it->second].queue == S3FIFOQueue::kGhost)
      return -1;
    return nodes_[it->second].freq;
  }
  // A queue's ids, tail (oldest) first. O(queue length), allocates.
  std::vector<key_type> keys_of(S3FIFOQueue queue) const {
    const List* list = queue == S3FIFOQueue::kSmall   ? &small_
                       : queue == S3FIFOQueue::kMain  ? &main_
                       : queue == S3FIFOQueue::kGhost ? &ghost_
                                                      : nullptr;
    std::vector<key_type> out;
    if (list == nullptr) return out;
    for (std::uint32_t i = list->tail; i != kNil; i = nodes_[i].newer) {
      out.push_back(nodes_[i].key);
    }
    return out;
  }

 private:
  static constexpr std::uint32_t kNil = 0xffffffffu;
  static constexpr std::uint32_t kMaxFreq = 0xffffffffu;

  struct Node {
    key_type key;
    std::int64_t size = 0;
    std::uint32_t older = kNil;  // toward the tail
    std::uint32_t newer = kNil;  // toward the head; the free list's link
    std::uint32_t freq = 0;
    S3FIFOQueue queue = S3FIFOQueue::kNone;
  };
  struct List {
    std::uint32_t head = kNil;
    std::uint32_t tail = kNil;
    std::int64_t bytes = 0;
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

  std::uint32_t acquire(const key_type& key) {
    std::uint32_t index;
    if (free_ != kNil) {
      index = free_;
      free_ = nodes_[index].newer;
      nodes_[index].key = key;
    } else {
      if (nodes_.size() >= kNil)
        throw std::length_error("s3fifo: too many ids");
      index = static_cast<std::uint32_t>(nodes_.size());
      nodes_.push_back(Node{key});
    }
    return index;
  }
  void release(std::uint32_t index) {
    Node& node = nodes_[index];
    node.queue = S3FIFOQueue::kNone;
    node.older = kNil;
    node.newer = free_;
    free_ = index;
  }
  void push_head(List& list, std::uint32_t index, S3FIFOQueue queue) {
    Node& node = nodes_[index];
    node.queue = queue;
    node.newer = kNil;
    node.older = list.head;
    if (list.head != kNil) {
      nodes_[list.head].newer = index;
    } else {
      list.tail = index;
    }
    list.head = index;
    list.bytes += node.size;
  }
  void unlink(List& list, std::uint32_t index) {
    Node& node = nodes_[index];
    if (node.older != kNil) {
      nodes_[node.older].newer = node.newer;
    } else {
      list.tail = node.newer;
    }
    if (node.newer != kNil) {
      nodes_[node.newer].older = node.older;
    } else {
      list.head = node.older;
    }
    list.bytes -= node.size;
  }

  // The spec's "evict one object": appends the victim's key to `out` and
  // returns its size, or -1 when no queue holds anything it may take.
  // `skip` (a re-put key's node) and pinned keys are never taken.
  template <class Pins>
  std::int64_t evict_one(const Pins& pins, std::uint32_t skip,
                         std::vector<key_type>& out) {
    const bool main_first = main_.bytes > main_capacity_ || small_.head == kNil;
    for (int attempt = 0; attempt < 3; ++attempt) {
      const bool from_main = main_first == (attempt != 1);
      const std::int64_t freed = from_main ? evict_main(pins, skip, out)
                                           : evict_small(pins, skip, out);
      if (freed >= 0) return freed;
    }
    return -1;
  }

  template <class Pins>
  std::int64_t evict_small(const Pins& pins, std::uint32_t skip,
                           std::vector<key_type>& out) {
    std::uint32_t at = small_.tail;
    while (at != kNil) {
      Node& node = nodes_[at];
      const std::uint32_t newer = node.newer;
      if (at == skip || pins.pinned(node.key)) {
        at = newer;
        continue;
      }
      unlink(small_, at);
      if (node.freq >= threshold_) {
        node.freq = 0;
        push_head(main_, at, S3FIFOQueue::kMain);  // frees nothing
        at = newer;
        continue;
      }
      out.push_back(node.key);
      const std::int64_t size = node.size;
      to_ghost(at);
      return size;
    }
    return -1;
  }

  template <class Pins>
  std::int64_t evict_main(const Pins& pins, std::uint32_t skip,
                          std::vector<key_type>& out) {
    std::uint32_t at = main_.tail;
    while (at != kNil) {
      Node& node = nodes_[at];
      const std::uint32_t newer = node.newer;
      if (at == skip || pins.pinned(node.key)) {
        at = newer;
        continue;
      }
      unlink(main_, at);
      if (node.freq >= 1) {
        node.freq = std::min<std::uint32_t>(node.freq, 3) - 1;
        push_head(main_, at, S3FIFOQueue::kMain);
        // Walking on toward the head; the moved node itself if it was the
        // head (then it is the tail of what is left to look at).
        at = newer != kNil ? newer : at;
        continue;
      }
      out.push_back(node.key);
      const std::int64_t size = node.size;
      index_.erase(node.key);
      release(at);
      return size;
    }
    return -1;
  }

  // An S victim's id and size go to G's head, after dropping G's tail until
  // the entry fits; an entry larger than G is not kept at all.
  void to_ghost(std::uint32_t index) {
    const std::int64_t size = nodes_[index].size;
    if (size > ghost_capacity_) {
      index_.erase(nodes_[index].key);
      release(index);
      return;
    }
    while (ghost_.bytes + size > ghost_capacity_) {
      const std::uint32_t tail = ghost_.tail;
      unlink(ghost_, tail);
      index_.erase(nodes_[tail].key);
      release(tail);
    }
    push_head(ghost_, index, S3FIFOQueue::kGhost);
  }

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
  List small_, main_, ghost_;
  std::vector<Node> nodes_;
  std::uint32_t free_ = kNil;
  absl::flat_hash_map<key_type, std::uint32_t, KeyHash<key_type>> index_;
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
