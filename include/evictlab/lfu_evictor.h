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
//   pop, accounting, the node's release).
// - Exact accounting, as internal::OrderedEvictor: int64 bytes owned by the
//   evictor through `store`/`remove`; ILLEGAL (nothing changed) for a
//   negative size, one above the limit, or when the evictable bytes (the
//   stored ones, minus the pinned ones, minus the re-put key's old object
//   when it is not pinned) cannot make room. decide_best_effort (the KV
//   simulator's) instead takes every unpinned object, in victim order,
//   and answers ILLEGAL with them (they are evicted).
//
// State (O(1) LFU): one node per object in a slab (a vector with a free
// list): the key, the links of its frequency list, its bucket. A bucket per
// distinct frequency in use, kept in a list in ascending order, each holding
// its objects as an LRU list (oldest last access first). The lookup table is
// an absl::flat_hash_set of 32-bit node numbers that hashes and compares
// through the nodes' keys, so the key is stored once. Memory for a uint64
// key: a 24-byte node, and 4 bytes of table plus a control byte per slot
// (6-11 bytes at Abseil's load factors, 7/16 to 7/8 full), about 30-35
// bytes per object beside the dict (plus the node vector's growth slack), and
// one 24-byte bucket per distinct frequency in use.
//
// Complexity: hit, store, remove and each victim are O(1) (a victim search
// passes over pinned objects, O(1) per pin). No allocation per operation once
// the slab and the table have grown (a freed node keeps its key object, which
// the next insertion assigns to, so string keys reuse their buffers).
//
// The evictor is movable, not copyable (the table's hasher points at the
// node slab, which lives on the heap so that moves keep it in place).
//
// REQUIRES: every mutation of the dict goes through `store`/`remove` of this
// evictor, and a stored object's size does not change while it is stored.
// NOT thread-safe.
#ifndef EVICTLAB_LFU_EVICTOR_H_
#define EVICTLAB_LFU_EVICTOR_H_

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/key.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

namespace internal {

// The frequency structure of LFUEvictor: nodes (one per resident key) in
// per-frequency LRU lists, buckets in ascending frequency order.
template <class K>
class LfuLists {
 public:
  using Index = std::uint32_t;
  static constexpr Index kNone = std::numeric_limits<Index>::max();

  LfuLists() : table_(0, SlotHash{&nodes_}, SlotEq{&nodes_}) {}
  LfuLists(const LfuLists&) = delete;
  LfuLists& operator=(const LfuLists&) = delete;

  // The node of `key`, or kNone.
  Index find(const K& key) const {
    const auto it = table_.find(key);
    return it == table_.end() ? kNone : it->index;
  }
  const K& key_of(Index n) const { return nodes_[n].key; }
  bool attached(Index n) const { return nodes_[n].bucket != kNone; }
  std::uint64_t frequency(Index n) const {
    return buckets_[nodes_[n].bucket].freq;
  }

  // A new node for `key` (not present), attached with frequency 1 as the
  // newest of its bucket.
  Index insert(const K& key) {
    Index n;
    if (free_nodes_ != kNone) {
      n = free_nodes_;
      free_nodes_ = nodes_[n].next;
      nodes_[n].key = key;
    } else {
      if (nodes_.size() >= kNone) throw std::length_error("lfu: 2^32 nodes");
      nodes_.push_back(Node{key, kNone, kNone, kNone});
      n = static_cast<Index>(nodes_.size() - 1);
    }
    table_.insert(Slot{n});
    attach_new(n);
    return n;
  }
  // Re-attaches a detached node with frequency 1 (an in-place store of a
  // chosen victim).
  void attach_new(Index n) {
    Index b = min_bucket_;
    if (b == kNone || buckets_[b].freq != 1) b = new_bucket(1, kNone, b);
    append(b, n);
  }

  // One access: the node moves to the newest end of the next frequency's
  // bucket. O(1).
  void touch(Index n) {
    const Index b = nodes_[n].bucket;
    const std::uint64_t f = buckets_[b].freq;
    Index up = buckets_[b].next;
    if (up == kNone || buckets_[up].freq != f + 1) {
      if (buckets_[b].head == n && buckets_[b].tail == n) {
        ++buckets_[b].freq;  // alone in its bucket: the bucket moves up
        return;
      }
      up = new_bucket(f + 1, b, up);
    }
    detach(n);
    append(up, n);
  }

  // Takes the node out of its bucket (the bucket goes when empty).
  void detach(Index n) {
    Node& node = nodes_[n];
    Bucket& b = buckets_[node.bucket];
    if (node.prev != kNone)
      nodes_[node.prev].next = node.next;
    else
      b.head = node.next;
    if (node.next != kNone)
      nodes_[node.next].prev = node.prev;
    else
      b.tail = node.prev;
    if (b.head == kNone) free_bucket(node.bucket);
    node.bucket = kNone;
    node.prev = node.next = kNone;
  }

  // Forgets `n` (detached first if needed); its number is reused.
  void release(Index n) {
    if (attached(n)) detach(n);
    table_.erase(nodes_[n].key);
    nodes_[n].next = free_nodes_;
    free_nodes_ = n;
  }

  // The first node in (frequency, last access) order for which
  // `skip(node)` is false, or kNone.
  template <class Skip>
  Index first(Skip&& skip) const {
    for (Index b = min_bucket_; b != kNone; b = buckets_[b].next) {
      for (Index n = buckets_[b].head; n != kNone; n = nodes_[n].next) {
        if (!skip(n)) return n;
      }
    }
    return kNone;
  }

 private:
  struct Node {
    K key;
    Index prev;    // older in its bucket
    Index next;    // newer in its bucket; the free list's link when free
    Index bucket;  // kNone: detached (a chosen victim) or free
  };
  struct Bucket {
    std::uint64_t freq;
    Index prev;  // lower frequency
    Index next;  // higher frequency; the free list's link when free
    Index head;  // oldest last access
    Index tail;  // newest last access
  };
  // The table's element: a node number, hashed and compared by its key.
  struct Slot {
    Index index;
  };
  struct SlotHash {
    using is_transparent = void;
    const std::vector<Node>* nodes;
    std::size_t operator()(Slot s) const {
      return KeyHash<K>{}((*nodes)[s.index].key);
    }
    std::size_t operator()(const K& key) const { return KeyHash<K>{}(key); }
  };
  struct SlotEq {
    using is_transparent = void;
    const std::vector<Node>* nodes;
    bool operator()(Slot a, Slot b) const { return a.index == b.index; }
    bool operator()(Slot a, const K& key) const {
      return (*nodes)[a.index].key == key;
    }
    bool operator()(const K& key, Slot a) const {
      return (*nodes)[a.index].key == key;
    }
  };

  // A bucket of frequency f linked between `prev` and `next`.
  Index new_bucket(std::uint64_t f, Index prev, Index next) {
    Index b;
    if (free_buckets_ != kNone) {
      b = free_buckets_;
      free_buckets_ = buckets_[b].next;
    } else {
      buckets_.push_back(Bucket{});
      b = static_cast<Index>(buckets_.size() - 1);
    }
    buckets_[b] = Bucket{f, prev, next, kNone, kNone};
    if (prev != kNone)
      buckets_[prev].next = b;
    else
      min_bucket_ = b;
    if (next != kNone) buckets_[next].prev = b;
    return b;
  }
  void free_bucket(Index b) {
    const Bucket& bucket = buckets_[b];
    if (bucket.prev != kNone)
      buckets_[bucket.prev].next = bucket.next;
    else
      min_bucket_ = bucket.next;
    if (bucket.next != kNone) buckets_[bucket.next].prev = bucket.prev;
    buckets_[b].next = free_buckets_;
    free_buckets_ = b;
  }
  void append(Index b, Index n) {
    Node& node = nodes_[n];
    Bucket& bucket = buckets_[b];
    node.bucket = b;
    node.prev = bucket.tail;
    node.next = kNone;
    if (bucket.tail != kNone)
      nodes_[bucket.tail].next = n;
    else
      bucket.head = n;
    bucket.tail = n;
  }

  std::vector<Node> nodes_;
  std::vector<Bucket> buckets_;
  Index free_nodes_ = kNone;
  Index free_buckets_ = kNone;
  Index min_bucket_ = kNone;
  absl::flat_hash_set<Slot, SlotHash, SlotEq> table_;
};

}  // namespace internal

template <class Dict>
class LFUEvictor final : public BaseEvictor<Dict> {
 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;

  // Throws ConfigError (field `max_cache_size_gb`) as OrderedEvictor does.
  // LFU takes no parameters: any in `params` is a ConfigError.
  explicit LFUEvictor(double max_cache_size_gb = 10.0,
                      const PolicyParams& params = {})
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)),
        lists_(std::make_unique<Lists>()) {
    if (max_cache_size_ < 0) {
      throw ConfigError(
          "max_cache_size_gb",
          fmt::format("must not be negative, got {}", max_cache_size_gb));
    }
    params.check_all_used({});
  }

  // One more access of the key. O(1). Does not reorder the dict.
  void update_on_get(const key_type& key, Dict& /*cache_dict*/) override {
    const Index n = lists_->find(key);
    if (n != Lists::kNone && lists_->attached(n)) lists_->touch(n);
  }

  // The simulator's hit path (evictor.h hit_if_resident): the node table
  // holds exactly the resident keys, so one lookup of it is the hit test.
  bool hit(Dict& /*cache_dict*/, const key_type& key) {
    const Index n = lists_->find(key);
    if (n == Lists::kNone) return false;
    if (lists_->attached(n)) lists_->touch(n);
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
    const Index skip = old ? lists_->find(*incoming_key) : Lists::kNone;
    while (excess > 0) {
      const Index victim = next_victim(skip, pins);
      if (victim == Lists::kNone) {
        // Only when `pins.pinned_bytes()` disagrees with `pins.pinned()`:
        // the put is ILLEGAL, but the victims chosen so far were detached
        // and come back as new objects (frequency 1, newest).
        for (const key_type& key : result.evict_keys) {
          lists_->attach_new(lists_->find(key));
        }
        result.evict_keys.clear();
        return;
      }
      const key_type& key = lists_->key_of(victim);
      excess -= evictlab::get_size(*cache_dict.find(key));
      result.evict_keys.push_back(key);
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
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    while (excess > 0) {
      const Index victim = next_victim(Lists::kNone, pins);
      if (victim == Lists::kNone) return;
      const key_type& key = lists_->key_of(victim);
      excess -= evictlab::get_size(*cache_dict.find(key));
      result.evict_keys.push_back(key);
    }
    result.status = PutStatus::kLegal;
  }

  // Up to n victims, chosen one by one by `decide`'s rule (each detached as
  // it is chosen); fewer when fewer objects are evictable. REQUIRES: the
  // caller removes them all before the next call.
  template <class Pins = NoPins>
  void candidates(Dict& /*cache_dict*/, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    while (out.size() < n) {
      const Index victim = next_victim(Lists::kNone, pins);
      if (victim == Lists::kNone) break;
      out.push_back(lists_->key_of(victim));
    }
  }

  // `d[key] = value`, accounted. A new key starts with frequency 1 as the
  // newest access; a resident key is overwritten in place (not an access:
  // its frequency and recency stay). Rejects a negative size
  // (std::invalid_argument) before changing anything.
  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    const mapped_type* old = cache_dict.find(key);
    const std::int64_t old_size = old ? evictlab::get_size(*old) : 0;
    const Index n = lists_->find(key);
    if (n == Lists::kNone) {
      lists_->insert(key);
    } else if (!lists_->attached(n)) {
      lists_->attach_new(n);  // a chosen victim stored over in place
    }
    cache_dict.set(key, std::move(value));
    current_cache_size_ += new_size - old_size;
  }

  // `d.pop(key)`, accounted; the key's frequency is forgotten. Throws
  // KeyNotFoundError (nothing changes).
  mapped_type remove(Dict& cache_dict, const key_type& key) {
    mapped_type value = cache_dict.pop(key);
    if (const Index n = lists_->find(key); n != Lists::kNone) {
      lists_->release(n);
    }
    current_cache_size_ -= evictlab::get_size(value);
    return value;
  }

  // The key's frequency (0 when it is not resident). For tests and tools.
  std::uint64_t frequency(const key_type& key) const {
    const Index n = lists_->find(key);
    return n != Lists::kNone && lists_->attached(n) ? lists_->frequency(n) : 0;
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  std::int64_t current_cache_size() const { return current_cache_size_; }

 private:
  using Lists = internal::LfuLists<key_type>;
  using Index = typename Lists::Index;

  // The next victim, detached; kNone when no object can be taken.
  template <class Pins>
  Index next_victim(Index skip, const Pins& pins) {
    const Index victim = lists_->first(
        [&](Index n) { return n == skip || pins.pinned(lists_->key_of(n)); });
    if (victim != Lists::kNone) lists_->detach(victim);
    return victim;
  }

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  std::unique_ptr<Lists> lists_;  // on the heap: its table points into it
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
