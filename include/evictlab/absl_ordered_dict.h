// AbslOrderedDict: OrderedDict's slab with Abseil's own flat table for the
// lookup (`absl::flat_hash_map<key, entry number>`), kept in the lab to
// measure the hand-written table of OrderedDict against it (dict `absl`;
// docs/PERFORMANCE.md "Which structure won").
//
// Same interface and semantics as OrderedDict (see ordered_dict.h).
//
// Implementation: entries (order links, keys, values) live in the same
// internal::EntrySlab as OrderedDict's; the map holds a second copy of each
// key (Swiss-table control bytes + `{K, uint32_t}` slots), so a hit reads the
// control group, the slot and its key, then the entry's links and its
// neighbours'. The second key copy is what this layout costs over OrderedDict:
// sizeof(K) more per entry (and a second heap buffer for long std::string
// keys; HashedKey and CacheEngineKey share theirs).
//
// Complexity: every operation O(1) expected; growth amortized O(1).
// Invalidation: as OrderedDict (iterators are entry numbers; references to
// keys and values are invalidated by the insertion of a new key).
//
// NOT thread-safe: concurrent calls need external synchronization.
#ifndef EVICTLAB_ABSL_ORDERED_DICT_H_
#define EVICTLAB_ABSL_ORDERED_DICT_H_

#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "evictlab/errors.h"
#include "evictlab/internal/entry_slab.h"
#include "evictlab/key.h"

namespace evictlab {

template <class K, class V, class Hash = KeyHash<K>,
          class Eq = std::equal_to<K>>
class AbslOrderedDict {
  using Slab = internal::EntrySlab<K, V>;
  using Index = typename Slab::Index;
  static constexpr Index kSentinel = Slab::kSentinel;
  using Map = absl::flat_hash_map<K, Index, Hash, Eq>;

 public:
  using key_type = K;
  using mapped_type = V;
  using iterator = internal::SlabIterator<K, V, true>;
  using reverse_iterator = internal::SlabIterator<K, V, false>;
  using Item = typename iterator::Item;

  AbslOrderedDict() = default;
  AbslOrderedDict(const AbslOrderedDict&) = delete;
  AbslOrderedDict& operator=(const AbslOrderedDict&) = delete;
  AbslOrderedDict(AbslOrderedDict&& other) : AbslOrderedDict() { swap(other); }
  AbslOrderedDict& operator=(AbslOrderedDict&& other) {
    AbslOrderedDict(std::move(other)).swap(*this);
    return *this;
  }
  void swap(AbslOrderedDict& other) noexcept {
    slab_.swap(other.slab_);
    index_.swap(other.index_);
  }

  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  bool contains(const K& key) const { return index_.contains(key); }

  V* find(const K& key) {
    auto it = index_.find(key);
    return it != index_.end() ? &slab_.value_at(it->second) : nullptr;
  }
  const V* find(const K& key) const {
    return const_cast<AbslOrderedDict*>(this)->find(key);
  }
  V& at(const K& key) {
    V* value = find(key);
    if (value == nullptr) throw_missing(key);
    return *value;
  }

  // `d[key] = value`: in place if present (position kept), else newest.
  // Returns true when the key was new. Strong guarantee.
  template <class VArg>
  bool set(const K& key, VArg&& value) {
    return set_impl(key, std::forward<VArg>(value)).second;
  }
  template <class VArg>
  bool set(K&& key, VArg&& value) {
    return set_impl(std::move(key), std::forward<VArg>(value)).second;
  }

  V pop(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) throw_missing(key);
    const Index e = it->second;
    V value(std::move(slab_.value_at(e)));
    index_.erase(it);  // `key` may be the slab's key: still alive here
    slab_.release(e);
    return value;
  }
  bool erase(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    const Index e = it->second;
    index_.erase(it);
    slab_.release(e);
    return true;
  }

  ABSL_ATTRIBUTE_ALWAYS_INLINE void move_to_end(const K& key,
                                                bool last = true) {
    auto it = index_.find(key);
    if (it == index_.end()) throw_missing(key);
    const Index e = it->second;
    slab_.unlink(e);
    if (last) {
      slab_.link_back(e);
    } else {
      slab_.link_front(e);
    }
  }

  // Entry numbers, as OrderedDict's (ordered_dict.h): a stable handle per
  // resident key for per-key policy state (internal/entry_state.h).
  using entry_type = Index;
  static constexpr Index kNoEntry = kSentinel;
  Index find_entry(const K& key) const {
    auto it = index_.find(key);
    return it != index_.end() ? it->second : kNoEntry;
  }
  std::size_t entry_limit() const { return slab_.entry_limit(); }
  const K& key_of(Index e) const { return slab_.key_at(e); }
  V& value_of(Index e) const { return slab_.value_at(e); }
  void move_to_end_entry(Index e) {
    slab_.unlink(e);
    slab_.link_back(e);
  }
  template <class VArg>
  std::pair<Index, bool> insert_or_assign(const K& key, VArg&& value) {
    return set_impl(key, std::forward<VArg>(value));
  }

  const K& front_key() const { return slab_.key_at(slab_.oldest()); }
  const K& back_key() const { return slab_.key_at(slab_.newest()); }

  void clear() {
    index_.clear();
    slab_.clear();
  }

  iterator begin() const { return iterator(&slab_, slab_.oldest()); }
  iterator end() const { return iterator(&slab_, kSentinel); }
  reverse_iterator rbegin() const {
    return reverse_iterator(&slab_, slab_.newest());
  }
  reverse_iterator rend() const { return reverse_iterator(&slab_, kSentinel); }

  std::vector<K> keys() const {
    std::vector<K> out;
    out.reserve(size());
    for (const Item item : *this) out.push_back(item.key);
    return out;
  }

 private:
  [[noreturn]] ABSL_ATTRIBUTE_NOINLINE ABSL_ATTRIBUTE_COLD static void
  throw_missing(const K& key) {
    throw KeyNotFoundError(key_repr(key));
  }

  template <class KeyArg, class VArg>
  std::pair<Index, bool> set_impl(KeyArg&& key, VArg&& value) {
    if (auto it = index_.find(key); it != index_.end()) {
      slab_.value_at(it->second) = std::forward<VArg>(value);
      return {it->second, false};
    }
    // Build the key and value before anything moves (the arguments may
    // refer into the slab, which growing moves).
    K key_copy(std::forward<KeyArg>(key));
    V value_copy(std::forward<VArg>(value));
    if (slab_.full()) slab_.grow();
    index_.reserve(index_.size() + 1);  // the emplace below cannot throw now
    const Index e = slab_.emplace_back(key_copy, std::move(value_copy));
    index_.emplace(std::move(key_copy), e);
    return {e, true};
  }

  Slab slab_;
  Map index_;
};

}  // namespace evictlab

#endif  // EVICTLAB_ABSL_ORDERED_DICT_H_
