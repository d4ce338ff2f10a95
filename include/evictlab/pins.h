// Pins: stored keys that may not be evicted (LMCache's `can_evict == false`:
// an object that is pinned, or being read by someone). Every policy's
// decisions take a Pins object and never return a pinned key as a victim;
// when the evictable entries cannot free enough, a put is ILLEGAL and
// nothing changes, and eviction candidates come back fewer than asked.
//
// A Pins type offers:
//   bool pinned(const K& key) const;   // true: never a victim
//   std::int64_t pinned_bytes() const; // the stored bytes of the pinned
//                                      // keys that are resident, so that a
//                                      // policy can tell in O(1) whether a
//                                      // put can be satisfied at all
// and may offer
//   PinEpoch unpin_epoch() const;      // equal values: the same Pins
//                                      // object, no key unpinned between
// so that a policy may remember "this key is pinned" from one call to the
// next until the epoch moves (belady's KV walk does; kHasUnpinEpoch).
// The policies take NoPins by default; its checks compile away.
#ifndef EVICTLAB_PINS_H_
#define EVICTLAB_PINS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "evictlab/key.h"

namespace evictlab {

struct NoPins {
  template <class K>
  constexpr bool pinned(const K& /*key*/) const {
    return false;
  }
  constexpr std::int64_t pinned_bytes() const { return 0; }
};

// What unpin_epoch() returns. `object` is unique to one Pins object in
// this process (a copy or an assigned-to object gets a new one), so two
// objects never compare equal, even at one address; `unpins` counts the
// object's unpins.
struct PinEpoch {
  std::uint64_t object = 0;  // 0: no Pins object
  std::uint64_t unpins = 0;
  friend bool operator==(PinEpoch a, PinEpoch b) {
    return a.object == b.object && a.unpins == b.unpins;
  }
  friend bool operator!=(PinEpoch a, PinEpoch b) { return !(a == b); }
};

namespace internal {
// A number unique to each object in the process (1, 2, ...): copies and
// assignment draw a new one. Thread-safe.
class ObjectNumber {
 public:
  ObjectNumber() : n_(next()) {}
  ObjectNumber(const ObjectNumber&) : n_(next()) {}
  ObjectNumber& operator=(const ObjectNumber&) {
    n_ = next();
    return *this;
  }
  std::uint64_t value() const { return n_; }

 private:
  static std::uint64_t next() {
    static std::atomic<std::uint64_t> last{0};
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  std::uint64_t n_;
};
}  // namespace internal

// Whether a Pins type offers unpin_epoch() (see above).
template <class P, class = void>
inline constexpr bool kHasUnpinEpoch = false;
template <class P>
inline constexpr bool kHasUnpinEpoch<
    P, std::void_t<decltype(std::declval<const P&>().unpin_epoch())>> = true;

// A set of pinned keys with their stored sizes. The caller pins resident
// keys only (a key pinned while absent would be counted in pinned_bytes())
// and unpins them before removing them. O(1) per call; NOT thread-safe.
template <class K>
class KeySetPins {
 public:
  void pin(const K& key, std::int64_t stored_size) {
    if (keys_.insert(key).second) bytes_ += stored_size;
  }
  void unpin(const K& key, std::int64_t stored_size) {
    if (keys_.erase(key) != 0) {
      bytes_ -= stored_size;
      ++unpin_epoch_;
    }
  }
  void clear() {
    if (!keys_.empty()) ++unpin_epoch_;
    keys_.clear();
    bytes_ = 0;
  }
  bool pinned(const K& key) const { return keys_.contains(key); }
  std::int64_t pinned_bytes() const { return bytes_; }
  std::size_t size() const { return keys_.size(); }
  // Moves on every unpin of a pinned key (and clear() of a non-empty set).
  PinEpoch unpin_epoch() const { return {number_.value(), unpin_epoch_}; }

 private:
  absl::flat_hash_set<K, KeyHash<K>> keys_;
  std::int64_t bytes_ = 0;
  std::uint64_t unpin_epoch_ = 0;
  internal::ObjectNumber number_;
};

// The pins of one request (the KV simulator's, sim/kv_replay.h): its keys
// are pinned one by one and all unpinned together when it ends. The same
// contract as KeySetPins (pin resident keys only) without a per-key unpin:
// unpin_all() is O(1), whatever the number of pins.
//
// Why not KeySetPins: the request loop pins every block reference once and
// unpins it once, and checks pinned() on every block it stores and on every
// key a victim walk passes. On the Mooncake conversation trace under lru
// that set's inserts, erases and probes were ~200 of the loop's ~570
// instructions per block reference (callgrind; docs/PERFORMANCE.md "The
// Python boundary"). Here a slot carries the number of the request that
// wrote it (a stamp), so a slot of an earlier request reads as empty and
// unpin_all() only moves the stamp: no erase, no tombstone, no clear.
//
// Layout: open addressing with linear probing over slots {key, stamp}, at
// most half full; the table keeps its size between requests (it doubles,
// rehashing the current request's keys, when a request pins more than half
// of it) and so allocates only at a new high-water mark. Hashing is the
// dicts' KeyHash (absl::Hash).
//
// A slot holds a copy of its key (PinByValue, the default), or with
// PinByAddress the address of the caller's key object: then pinning copies
// no key (a CacheEngineKey's copy allocates its chunk-hash text) and
// REQUIRES the pinned key object to live, unchanged, until unpin_all() (a
// request's own keys do). A slot of an earlier request is never read
// through, so its address may dangle.
//
// Complexity: pin and pinned O(1) expected; unpin_all O(1); growth
// amortized O(1) per pin. NOT thread-safe. REQUIRES (PinByValue): K is
// copyable and default-constructible.
template <class K>
struct PinByValue {
  using Stored = K;
  static Stored hold(const K& key) { return key; }
  static const K& view(const Stored& stored) { return stored; }
};
template <class K>
struct PinByAddress {
  using Stored = const K*;
  static Stored hold(const K& key) { return &key; }
  static const K& view(Stored stored) { return *stored; }
};

template <class K, class Hash = KeyHash<K>, class Hold = PinByValue<K>>
class RequestPins {
 public:
  RequestPins() : slots_(kInitialSlots) {}

  // Pins `key` (stored size `stored_size`) until unpin_all(); returns false
  // (and changes nothing) if it is pinned already.
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool pin(const K& key,
                                        std::int64_t stored_size) {
    if (ABSL_PREDICT_FALSE(2 * (size_ + 1) > slots_.size())) grow();
    Slot& slot = slots_[index_of(key)];
    if (slot.stamp == stamp_) return false;
    slot.key = Hold::hold(key);
    slot.stamp = stamp_;
    ++size_;
    bytes_ += stored_size;
    return true;
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool pinned(const K& key) const {
    return slots_[index_of(key)].stamp == stamp_;
  }
  std::int64_t pinned_bytes() const { return bytes_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Unpins every key. O(1).
  void unpin_all() {
    if (size_ == 0) return;
    ++stamp_;  // 64 bits: never wraps
    ++unpin_epoch_;
    size_ = 0;
    bytes_ = 0;
  }
  // Moves on every unpin_all() of a non-empty set.
  PinEpoch unpin_epoch() const { return {number_.value(), unpin_epoch_}; }

 private:
  static constexpr std::size_t kInitialSlots = 64;
  struct Slot {
    typename Hold::Stored key{};
    std::uint64_t stamp = 0;  // == stamp_: pinned; anything else: empty
  };

  // The slot holding `key`, or the empty slot where it would go.
  ABSL_ATTRIBUTE_ALWAYS_INLINE std::size_t index_of(const K& key) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = Hash{}(key)&mask;
    while (slots_[i].stamp == stamp_ && !(Hold::view(slots_[i].key) == key)) {
      i = (i + 1) & mask;
    }
    return i;
  }
  ABSL_ATTRIBUTE_NOINLINE void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.stamp == stamp_) slots_[index_of(Hold::view(s.key))] = s;
    }
  }

  std::vector<Slot> slots_;  // a power of two, at most half pinned
  std::uint64_t stamp_ = 1;  // slots start at 0: empty
  std::size_t size_ = 0;
  std::int64_t bytes_ = 0;
  std::uint64_t unpin_epoch_ = 0;
  internal::ObjectNumber number_;
};

// Pins with a count per key, for a cache whose readers pin concurrently
// (SynchronizedCache): a key stays pinned until every pin(key) has been
// matched by an unpin(key). The caller pins resident keys only, with their
// stored size, and passes the same size to unpin. O(1) per call; NOT
// thread-safe (the cache calls it under its lock).
template <class K>
class CountedPins {
 public:
  void pin(const K& key, std::int64_t stored_size) {
    if (counts_[key]++ == 0) bytes_ += stored_size;
  }
  // Returns false (and changes nothing) if `key` is not pinned.
  bool unpin(const K& key, std::int64_t stored_size) {
    const auto it = counts_.find(key);
    if (it == counts_.end()) return false;
    if (--it->second == 0) {
      counts_.erase(it);
      bytes_ -= stored_size;
    }
    return true;
  }
  bool pinned(const K& key) const { return counts_.contains(key); }
  std::int64_t pinned_bytes() const { return bytes_; }
  // Distinct pinned keys.
  std::size_t size() const { return counts_.size(); }
  bool empty() const { return counts_.empty(); }

 private:
  absl::flat_hash_map<K, std::int64_t, KeyHash<K>> counts_;
  std::int64_t bytes_ = 0;
};

}  // namespace evictlab

#endif  // EVICTLAB_PINS_H_
