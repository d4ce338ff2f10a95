// EntrySlab: the index-linked entry storage shared by the flat dicts
// (OrderedDict, whose lookup table is hand-written, and AbslOrderedDict,
// whose lookup table is absl::flat_hash_map). Not for users: include the
// dicts instead.
//
// Entries live in parallel arrays indexed by a 32-bit entry number: `links`
// (the order list's prev/next numbers, 8 bytes), keys and values. Entry 0 is
// the list's sentinel, so linking never branches and the list is circular
// (the sentinel's next is the oldest entry, its prev the newest). Removed
// entries go on a free list and are reused, so a full cache that evicts one
// entry per put allocates nothing.
//
// Complexity: every operation O(1); growth (doubling) amortized O(1).
// Invalidation: entry numbers stay valid until their entry is released;
// references to keys and values are invalidated by growth (`grow`, which
// `reserve_one` may call).
//
// NOT thread-safe.
#ifndef EVICTLAB_INTERNAL_ENTRY_SLAB_H_
#define EVICTLAB_INTERNAL_ENTRY_SLAB_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace evictlab::internal {

template <class K, class V>
class EntrySlab {
 public:
  using Index = std::uint32_t;
  static constexpr Index kSentinel = 0;
  struct Link {
    Index prev;
    Index next;
  };

  EntrySlab() : links_(new Link[1]{{kSentinel, kSentinel}}) {}
  ~EntrySlab() { destroy_entries(); }
  EntrySlab(const EntrySlab&) = delete;
  EntrySlab& operator=(const EntrySlab&) = delete;
  void swap(EntrySlab& other) noexcept {
    std::swap(links_, other.links_);
    std::swap(keys_, other.keys_);
    std::swap(values_, other.values_);
    std::swap(capacity_, other.capacity_);
    std::swap(used_, other.used_);
    std::swap(free_head_, other.free_head_);
  }

  // Keys and values of entry e >= 1 (the sentinel has neither).
  K& key_at(Index e) const { return keys_[e - 1].object; }
  V& value_at(Index e) const { return values_[e - 1].object; }
  const Link& link(Index e) const { return links_[e]; }
  Index oldest() const { return links_[kSentinel].next; }
  Index newest() const { return links_[kSentinel].prev; }
  Index next(Index e) const { return links_[e].next; }
  Index prev(Index e) const { return links_[e].prev; }

  // Every entry number handed out is below this (entry_state.h sizes its
  // arrays by it). Changes only when the slab grows.
  std::size_t entry_limit() const { return std::size_t{capacity_} + 1; }

  // Whether the next `emplace` must grow the slab (which moves every entry).
  bool full() const { return free_head_ == kSentinel && used_ == capacity_; }
  // Doubles the slab, moving every live entry to the same number.
  void grow() {
    const std::size_t capacity =
        std::max<std::size_t>(16, 2 * std::size_t{capacity_});
    if (capacity >= std::numeric_limits<Index>::max()) {
      throw std::length_error("dict: more than 2^32 - 2 entries");
    }
    auto links = std::make_unique<Link[]>(capacity + 1);
    auto keys = std::make_unique<Uninit<K>[]>(capacity);
    auto values = std::make_unique<Uninit<V>[]>(capacity);
    std::copy_n(links_.get(), used_ + 1, links.get());
    for (Index e = oldest(); e != kSentinel; e = next(e)) {
      static_assert(std::is_nothrow_move_constructible_v<K> &&
                        std::is_nothrow_move_constructible_v<V>,
                    "the slab moves entries when it grows");
      ::new (static_cast<void*>(&keys[e - 1].object)) K(std::move(key_at(e)));
      ::new (static_cast<void*>(&values[e - 1].object))
          V(std::move(value_at(e)));
      key_at(e).~K();
      value_at(e).~V();
    }
    links_ = std::move(links);
    keys_ = std::move(keys);
    values_ = std::move(values);
    capacity_ = static_cast<Index>(capacity);
  }

  // The entry number the next `emplace` uses. REQUIRES: !full().
  Index next_free() const {
    return free_head_ != kSentinel ? free_head_ : used_ + 1;
  }
  // Constructs key and value in entry next_free() and links it as newest.
  // Strong guarantee: if a constructor throws, nothing changed.
  // REQUIRES: !full().
  template <class KeyArg, class VArg>
  Index emplace_back(KeyArg&& key, VArg&& value) {
    const Index e = next_free();
    ::new (static_cast<void*>(&key_at(e))) K(std::forward<KeyArg>(key));
    try {
      ::new (static_cast<void*>(&value_at(e))) V(std::forward<VArg>(value));
    } catch (...) {
      key_at(e).~K();
      throw;
    }
    if (e == free_head_) {
      free_head_ = links_[e].next;
    } else {
      ++used_;
    }
    link_back(e);
    return e;
  }
  // Unlinks entry e, destroys its key and value, and frees it.
  void release(Index e) {
    unlink(e);
    key_at(e).~K();
    value_at(e).~V();
    links_[e].next = free_head_;
    free_head_ = e;
  }
  // Destroys every entry; keeps the capacity.
  void clear() {
    destroy_entries();
    links_[kSentinel] = Link{kSentinel, kSentinel};
    used_ = 0;
    free_head_ = kSentinel;
  }

  void unlink(Index e) {
    const Link l = links_[e];
    links_[l.prev].next = l.next;
    links_[l.next].prev = l.prev;
  }
  void link_back(Index e) {
    const Index tail = links_[kSentinel].prev;
    links_[e] = Link{tail, kSentinel};
    links_[tail].next = e;
    links_[kSentinel].prev = e;
  }
  void link_front(Index e) {
    const Index head = links_[kSentinel].next;
    links_[e] = Link{kSentinel, head};
    links_[head].prev = e;
    links_[kSentinel].next = e;
  }

 private:
  // Storage for a T that is constructed and destroyed by hand.
  template <class T>
  union Uninit {
    Uninit() {}
    ~Uninit() {}
    T object;
  };

  void destroy_entries() {
    if (!links_) return;
    for (Index e = oldest(); e != kSentinel; e = next(e)) {
      key_at(e).~K();
      value_at(e).~V();
    }
  }

  // links_[0] is the sentinel; entry e >= 1 has links_[e], keys_[e - 1] and
  // values_[e - 1]. Entries 1..used_ have been handed out; the free ones are
  // chained through links_[].next from free_head_.
  std::unique_ptr<Link[]> links_;
  std::unique_ptr<Uninit<K>[]> keys_;
  std::unique_ptr<Uninit<V>[]> values_;
  Index capacity_ = 0;
  Index used_ = 0;
  Index free_head_ = kSentinel;
};

// The iterators of slab-based dicts: entry numbers walked oldest -> newest
// (kForward) or newest -> oldest. Valid until their own entry is erased.
template <class K, class V, bool kForward>
class SlabIterator {
  using Slab = EntrySlab<K, V>;

 public:
  struct Item {
    const K& key;
    V& value;
  };
  using iterator_category = std::forward_iterator_tag;
  using value_type = Item;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = Item;

  SlabIterator() = default;
  SlabIterator(const Slab* slab, typename Slab::Index entry)
      : slab_(slab), entry_(entry) {}
  Item operator*() const { return Item{key(), value()}; }
  const K& key() const { return slab_->key_at(entry_); }
  V& value() const { return slab_->value_at(entry_); }
  // The entry number (the dicts' find_entry), stable while the entry lives.
  typename Slab::Index entry() const { return entry_; }
  // An iterator of the same dict, in the same direction, at entry `e`
  // (OrderedEvictor's walk jumps over a run of entries it knows with it).
  // REQUIRES: `e` is live or kSentinel (the end). O(1).
  SlabIterator at_entry(typename Slab::Index e) const {
    return SlabIterator(slab_, e);
  }
  SlabIterator& operator++() {
    entry_ = kForward ? slab_->next(entry_) : slab_->prev(entry_);
    return *this;
  }
  SlabIterator operator++(int) {
    SlabIterator old = *this;
    ++*this;
    return old;
  }
  friend bool operator==(SlabIterator a, SlabIterator b) {
    return a.entry_ == b.entry_;
  }
  friend bool operator!=(SlabIterator a, SlabIterator b) {
    return a.entry_ != b.entry_;
  }

 private:
  const Slab* slab_ = nullptr;
  typename Slab::Index entry_ = Slab::kSentinel;
};

}  // namespace evictlab::internal

#endif  // EVICTLAB_INTERNAL_ENTRY_SLAB_H_
