// OrderedDict: the insertion-ordered map the caller owns, as Python's
// `collections.OrderedDict` behaves for the evictor.
//
// - `set(key, value)` appends a new key at the newest end; assigning to an
//   existing key replaces the value in place and keeps its position.
// - `move_to_end(key)` makes a key the newest (or, with `last = false`, the
//   oldest, like Python's `move_to_end(key, last=False)`).
// - Iteration goes oldest -> newest and yields `{key, value}` items.
//
// Implementation: flat (docs/PERFORMANCE.md "Which structure won" has the
// measurements against AbslOrderedDict, NodeOrderedDict and the std::list +
// std::unordered_map baseline).
// - Entries live in an internal::EntrySlab: parallel arrays indexed by a
//   32-bit entry number (the order list's prev/next numbers, 8 bytes; keys;
//   values), with a free list, so a full cache that evicts one entry per put
//   allocates nothing.
// - Lookup is an open-addressing table of 8-byte slots {32-bit hash tag,
//   entry number}, in groups of four per half cache line, probed a group at
//   a time, at most 3/4 full (tombstones included). A probe compares a
//   group's four tags at once (SSE2) and reads a key only on a tag match.
//   An erase empties its slot when the group has an empty slot already (no
//   probe ever passed it) and leaves a tombstone otherwise, as Abseil's
//   Swiss tables do; inserts reuse tombstones.
// A hit therefore reads one table slot, one key and three links (its own and
// its neighbours'); the eviction walk reads links and the values it sizes.
// Beyond the key and the value, an entry costs 11-21 bytes of table (8-byte
// slots at 3/8-3/4 load) and 8 of links: 24 in all at 2^20 entries.
//
// Complexity: every operation is O(1) expected; growth (table or slab
// doubling) is amortized O(1). Iteration is O(1) per step.
//
// Invalidation: iterators are entry numbers and stay valid until their own
// entry is erased (any other mutation, growth included, keeps them).
// References and pointers to keys and values (find, at, front_key, Item) are
// invalidated by the insertion of a new key (the slab may move); assignment to
// an existing key, move_to_end and the erasure of other keys keep them.
//
// NOT thread-safe: concurrent calls need external synchronization (the
// reference backends hold a lock around every call).
#ifndef EVICTLAB_ORDERED_DICT_H_
#define EVICTLAB_ORDERED_DICT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "evictlab/errors.h"
#include "evictlab/internal/entry_slab.h"
#include "evictlab/key.h"

namespace evictlab {

// Whether K has `bool identical(const K&) const`, a cheap check that implies
// equality (HashedKey).
template <class K, class = void>
inline constexpr bool kHasIdentity = false;
template <class K>
inline constexpr bool
    kHasIdentity<K, std::void_t<decltype(std::declval<const K&>().identical(
                        std::declval<const K&>()))>> = true;

template <class K, class V, class Hash = KeyHash<K>,
          class Eq = std::equal_to<K>>
class OrderedDict {
  using Slab = internal::EntrySlab<K, V>;
  using Index = typename Slab::Index;
  static constexpr Index kSentinel = Slab::kSentinel;
  // The table's unit: four slots' tags, then their entries, in half a cache
  // line, so one load compares four tags. A tag is kEmpty, kDeleted or a
  // hash tag (top bit set).
  static constexpr std::size_t kGroupSlots = 4;
  static constexpr std::uint32_t kEmpty = 0;
  static constexpr std::uint32_t kDeleted = 1;
  static constexpr std::size_t kNoSlot = ~std::size_t{0};
  struct alignas(32) Group {
    std::uint32_t tags[kGroupSlots];
    Index entries[kGroupSlots];
  };

 public:
  using key_type = K;
  using mapped_type = V;
  // Oldest -> newest, and newest -> oldest. Items are `{key, value}`
  // references into the dict.
  using iterator = internal::SlabIterator<K, V, true>;
  using reverse_iterator = internal::SlabIterator<K, V, false>;
  using Item = typename iterator::Item;

  OrderedDict() = default;
  ~OrderedDict() = default;
  // Copying would duplicate every key and value; the cache never needs it.
  OrderedDict(const OrderedDict&) = delete;
  OrderedDict& operator=(const OrderedDict&) = delete;
  // The moved-from dict is empty and usable. May throw std::bad_alloc (the
  // moved-from dict gets a fresh sentinel).
  OrderedDict(OrderedDict&& other) : OrderedDict() { swap(other); }
  OrderedDict& operator=(OrderedDict&& other) {
    OrderedDict(std::move(other)).swap(*this);
    return *this;
  }
  void swap(OrderedDict& other) noexcept {
    slab_.swap(other.slab_);
    std::swap(table_, other.table_);
    std::swap(mask_, other.mask_);
    std::swap(tombstones_, other.tombstones_);
    std::swap(size_, other.size_);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Slots in the lookup table (like unordered_map's bucket_count()).
  std::size_t slot_count() const { return table_capacity(); }
  bool contains(const K& key) const {
    return find_slot(key, tag_of(key)).entry != kSentinel;
  }

  // Returns the value of `key`, or nullptr. Does not change the order.
  V* find(const K& key) {
    const Found f = find_slot(key, tag_of(key));
    return f.entry != kSentinel ? &value_at(f.entry) : nullptr;
  }
  const V* find(const K& key) const {
    return const_cast<OrderedDict*>(this)->find(key);
  }

  // `d[key]` for reading. Throws KeyNotFoundError. Does not change the order.
  V& at(const K& key) {
    V* value = find(key);
    if (value == nullptr) throw_missing(key);
    return *value;
  }

  // `d[key] = value`: in place if present (position kept), else newest.
  // Returns true when the key was new. Strong guarantee: if constructing the
  // key or value throws, the dict is unchanged.
  template <class VArg>
  bool set(const K& key, VArg&& value) {
    return set_impl(key, std::forward<VArg>(value)).second;
  }
  template <class VArg>
  bool set(K&& key, VArg&& value) {
    return set_impl(std::move(key), std::forward<VArg>(value)).second;
  }

  // `d.pop(key)`: removes and returns the value. Throws KeyNotFoundError.
  V pop(const K& key) {
    const Found f = find_slot(key, tag_of(key));
    if (f.entry == kSentinel) throw_missing(key);
    V value(std::move(value_at(f.entry)));
    erase_at(f.pos, f.entry);  // `key` may be the stored key: unused now
    return value;
  }

  // Removes `key` if present; returns whether it was.
  bool erase(const K& key) {
    const Found f = find_slot(key, tag_of(key));
    if (f.entry == kSentinel) return false;
    erase_at(f.pos, f.entry);
    return true;
  }

  // `d.move_to_end(key, last)`. Throws KeyNotFoundError. Inlined into the
  // evictors' update_on_get: the hit path is then one call, the virtual one.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void move_to_end(const K& key,
                                                bool last = true) {
    const Index e = find_slot(key, tag_of(key)).entry;
    if (e == kSentinel) throw_missing(key);
    slab_.unlink(e);
    if (last) {
      slab_.link_back(e);
    } else {
      slab_.link_front(e);
    }
  }

  // move_to_end(key) if `key` is present; returns whether it was. One probe
  // (the simulator's hit path: a lookup and a promotion in one).
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool move_to_end_if_present(const K& key) {
    const Index e = find_slot(key, tag_of(key)).entry;
    if (e == kSentinel) return false;
    slab_.unlink(e);
    slab_.link_back(e);
    return true;
  }

  // Entry numbers: a stable handle per resident key, so a policy can keep
  // per-key state in an array indexed by it (internal/entry_state.h) instead
  // of a second hash table. A live entry's number is in [1, entry_limit())
  // and stays the same until its key is erased (growth and reordering keep
  // it); a number is reused by a later insertion. kNoEntry is never live.
  using entry_type = Index;
  static constexpr Index kNoEntry = kSentinel;
  // The entry of `key`, or kNoEntry. One probe; changes nothing.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Index find_entry(const K& key) const {
    return find_slot(key, tag_of(key)).entry;
  }
  std::size_t entry_limit() const { return slab_.entry_limit(); }
  // REQUIRES: `e` is live. O(1), no probe.
  const K& key_of(Index e) const { return key_at(e); }
  V& value_of(Index e) const { return value_at(e); }
  void move_to_end_entry(Index e) {
    slab_.unlink(e);
    slab_.link_back(e);
  }
  // set(), also returning the key's entry number: {entry, inserted}.
  template <class VArg>
  std::pair<Index, bool> insert_or_assign(const K& key, VArg&& value) {
    return set_impl(key, std::forward<VArg>(value));
  }

  // The oldest and newest keys. REQUIRES: !empty(). O(1).
  const K& front_key() const { return key_at(slab_.oldest()); }
  const K& back_key() const { return key_at(slab_.newest()); }

  // Removes every entry; keeps the allocated capacity.
  void clear() {
    slab_.clear();
    size_ = 0;
    std::fill_n(table_.get(), table_capacity() / kGroupSlots, Group{});
    tombstones_ = 0;
  }

  // Oldest first; begin() == end() when empty.
  iterator begin() const { return iterator(&slab_, slab_.oldest()); }
  iterator end() const { return iterator(&slab_, kSentinel); }
  // Newest first.
  reverse_iterator rbegin() const {
    return reverse_iterator(&slab_, slab_.newest());
  }
  reverse_iterator rend() const { return reverse_iterator(&slab_, kSentinel); }

  // The keys, oldest first (a copy: for tests and traces, not hot paths).
  std::vector<K> keys() const {
    std::vector<K> out;
    out.reserve(size());
    for (const Item item : *this) out.push_back(item.key);
    return out;
  }

 private:
  // Out of line and cold, so the hit paths keep their registers.
  [[noreturn]] ABSL_ATTRIBUTE_NOINLINE ABSL_ATTRIBUTE_COLD static void
  throw_missing(const K& key) {
    throw KeyNotFoundError(key_repr(key));
  }

  // 32 bits of the hash with the top bit set (0 marks an empty slot); the
  // low bits pick the home group.
  static std::uint32_t tag_of(const K& key) {
    const std::uint64_t h = Hash{}(key);
    return static_cast<std::uint32_t>(h ^ (h >> 32)) | 0x80000000u;
  }
  std::size_t home_of(std::uint32_t tag) const {
    return (tag & (mask_ >> 2)) * kGroupSlots;
  }
  std::uint32_t tag_at(std::size_t pos) const {
    return table_[pos / kGroupSlots].tags[pos % kGroupSlots];
  }
  Index entry_at(std::size_t pos) const {
    return table_[pos / kGroupSlots].entries[pos % kGroupSlots];
  }
  void set_slot(std::size_t pos, std::uint32_t tag, Index entry) {
    table_[pos / kGroupSlots].tags[pos % kGroupSlots] = tag;
    table_[pos / kGroupSlots].entries[pos % kGroupSlots] = entry;
  }
  std::size_t table_capacity() const { return table_ ? mask_ + 1 : 0; }

  struct Found {
    std::size_t pos;  // the key's slot (when found)
    Index entry;      // kSentinel: absent (pos: see probe)
  };
  // Probes a group at a time from the tag's home group. No group between a
  // key's home group and its own has an empty slot (tombstones count as
  // full), so a probe may stop at the first group with one. Comparing four
  // tags at once leaves one predictable branch per group (one slot at a
  // time, a hit at 2^10 entries took 9.1 ns instead of 5.8, mostly
  // mispredicted probe branches). Before the first insertion there is no
  // table: the probe ends at once.
  //
  // Keys with an identity check (HashedKey::identical, Python's `is`) get an
  // inlined fast path for the common cases: a hit on the first tag match in
  // the home group with the same object, and a miss whose home group has no
  // match and an empty slot. Everything else tail-calls the full probe out of
  // line, so the fast path needs no saved registers (saving them was a sixth
  // of a hit's instructions).
  ABSL_ATTRIBUTE_ALWAYS_INLINE Found find_slot(const K& key,
                                               std::uint32_t tag) const {
    if constexpr (kHasIdentity<K>) {
      if (ABSL_PREDICT_TRUE(table_ != nullptr)) {
        const std::size_t g = tag & (mask_ >> 2);
        const Group& group = table_[g];
        const unsigned match = lanes_equal(group, tag);
        if (ABSL_PREDICT_TRUE(match != 0)) {
          const unsigned lane = static_cast<unsigned>(__builtin_ctz(match));
          const Index e = group.entries[lane];
          if (ABSL_PREDICT_TRUE(key_at(e).identical(key))) {
            return Found{g * kGroupSlots + lane, e};
          }
        } else if (lanes_equal(group, kEmpty) != 0) {
          return Found{0, kSentinel};  // the common miss: home group not full
        }
      }
      return find_slot_out_of_line(key, tag);
    } else {
      return probe<false>(key, tag);
    }
  }
  ABSL_ATTRIBUTE_NOINLINE Found find_slot_out_of_line(const K& key,
                                                      std::uint32_t tag) const {
    return probe<false>(key, tag);
  }
  // The full probe. kForInsert: a miss also returns, in `pos`, the first
  // free slot on the probe path (tombstone or empty), where set() puts the
  // new key.
  template <bool kForInsert>
  ABSL_ATTRIBUTE_ALWAYS_INLINE Found probe(const K& key,
                                           std::uint32_t tag) const {
    if (!table_) return Found{0, kSentinel};
    const std::size_t group_mask = mask_ >> 2;
    std::size_t insert_at = kNoSlot;
    for (std::size_t g = tag & group_mask;; g = (g + 1) & group_mask) {
      const Group& group = table_[g];
      for (unsigned match = lanes_equal(group, tag); match != 0;
           match &= match - 1) {
        const unsigned lane = static_cast<unsigned>(__builtin_ctz(match));
        const Index e = group.entries[lane];
        if (ABSL_PREDICT_TRUE(Eq{}(key_at(e), key))) {
          return Found{g * kGroupSlots + lane, e};
        }
      }
      const unsigned empty = lanes_equal(group, kEmpty);
      if constexpr (kForInsert) {
        if (insert_at == kNoSlot) {
          if (const unsigned free = empty | lanes_equal(group, kDeleted);
              free != 0) {
            insert_at = g * kGroupSlots + __builtin_ctz(free);
          }
        }
      }
      if (empty != 0) return Found{kForInsert ? insert_at : 0, kSentinel};
    }
  }

  // Bit i set iff lane i's tag is `tag`.
  static unsigned lanes_equal(const Group& group, std::uint32_t tag) {
#if defined(__SSE2__)
    const __m128i tags =
        _mm_load_si128(reinterpret_cast<const __m128i*>(group.tags));
    const __m128i eq =
        _mm_cmpeq_epi32(tags, _mm_set1_epi32(static_cast<int>(tag)));
    return static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(eq)));
#else
    unsigned bits = 0;
    for (unsigned i = 0; i < kGroupSlots; ++i) {
      bits |= static_cast<unsigned>(group.tags[i] == tag) << i;
    }
    return bits;
#endif
  }
  // The first empty slot from the tag's home (in a table without
  // tombstones: while rehashing).
  std::size_t empty_slot_for(std::uint32_t tag) const {
    std::size_t pos = home_of(tag);
    while (tag_at(pos) != kEmpty) pos = (pos + 1) & mask_;
    return pos;
  }

  K& key_at(Index e) const { return slab_.key_at(e); }
  V& value_at(Index e) const { return slab_.value_at(e); }

  template <class KeyArg, class VArg>
  std::pair<Index, bool> set_impl(KeyArg&& key, VArg&& value) {
    const std::uint32_t tag = tag_of(key);
    const Found p = probe<true>(key, tag);
    if (p.entry != kSentinel) {
      value_at(p.entry) = std::forward<VArg>(value);
      return {p.entry, false};
    }
    if (slab_.full()) {
      // Growing moves every entry: build the new key and value first, in
      // case the arguments refer into the slab.
      K key_copy(std::forward<KeyArg>(key));
      V value_copy(std::forward<VArg>(value));
      slab_.grow();
      return insert_new(tag, p.pos, std::move(key_copy), std::move(value_copy));
    }
    return insert_new(tag, p.pos, std::forward<KeyArg>(key),
                      std::forward<VArg>(value));
  }

  // REQUIRES: the key is absent, `pos` is where its probe ended, and an entry
  // is free or unused.
  template <class KeyArg, class VArg>
  std::pair<Index, bool> insert_new(std::uint32_t tag, std::size_t pos,
                                    KeyArg&& key, VArg&& value) {
    // Rebuild when live entries and tombstones fill 3/4 of the slots:
    // double if the live entries alone fill more than half, else drop the
    // tombstones at the same size (a full cache's steady stream of puts
    // leaves tombstones behind; doubling for them would double the table).
    const std::size_t capacity = table_capacity();
    if ((size_ + tombstones_ + 1) * 4 > capacity * 3) {
      rehash((size_ + 1) * 2 > capacity
                 ? std::max<std::size_t>(16, 2 * capacity)
                 : capacity);
      pos = empty_slot_for(tag);
    }
    const Index e = slab_.emplace_back(std::forward<KeyArg>(key),
                                       std::forward<VArg>(value));
    // Nothing below throws.
    if (tag_at(pos) == kDeleted) --tombstones_;
    set_slot(pos, tag, e);
    ++size_;
    return {e, true};
  }

  void erase_at(std::size_t pos, Index e) {
    erase_slot(pos);
    slab_.release(e);
    --size_;
  }

  // Empties the slot if its group has an empty slot already (then no probe
  // ever went past the group), else leaves a tombstone.
  void erase_slot(std::size_t pos) {
    if (lanes_equal(table_[pos / kGroupSlots], kEmpty) != 0) {
      set_slot(pos, kEmpty, kSentinel);
    } else {
      set_slot(pos, kDeleted, kSentinel);
      ++tombstones_;
    }
  }

  // Rebuilds the table at `capacity` slots (a power of two >= 16), without
  // tombstones. Reads only tags: no key is hashed again.
  void rehash(std::size_t capacity) {
    if (capacity - 1 > std::numeric_limits<std::uint32_t>::max()) {
      throw std::length_error("OrderedDict: table beyond 2^32 slots");
    }
    const std::size_t old_capacity = table_capacity();
    std::unique_ptr<Group[]> old = std::move(table_);
    // Value-initialized: every tag kEmpty.
    table_ = std::make_unique<Group[]>(capacity / kGroupSlots);
    mask_ = capacity - 1;
    tombstones_ = 0;
    for (std::size_t g = 0; g < old_capacity / kGroupSlots; ++g) {
      for (std::size_t lane = 0; lane < kGroupSlots; ++lane) {
        const std::uint32_t tag = old[g].tags[lane];
        if (tag != kEmpty && tag != kDeleted) {
          set_slot(empty_slot_for(tag), tag, old[g].entries[lane]);
        }
      }
    }
  }

  Slab slab_;
  // The table: null until the first insertion; mask_ = slots - 1.
  std::unique_ptr<Group[]> table_;
  std::size_t mask_ = 0;
  std::size_t tombstones_ = 0;
  std::size_t size_ = 0;
};

}  // namespace evictlab

#endif  // EVICTLAB_ORDERED_DICT_H_
