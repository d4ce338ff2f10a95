// NodeOrderedDict: the node-based variant of OrderedDict, kept in the lab as
// the structure the flat one replaced (dict `node`; docs/PERFORMANCE.md
// "Which structure won").
//
// Same interface and semantics as OrderedDict (see ordered_dict.h).
//
// Implementation: one `absl::node_hash_map` node per entry holds the key, the
// value and the pointers of an intrusive doubly linked list, so a lookup lands
// on the node that also carries the order (one allocation per entry, where
// `std::list` + `std::unordered_map` takes two). A hit still reads the
// table's control bytes, its slot, the node and both neighbours' nodes.
//
// Complexity: every operation is O(1) expected; iteration O(1) per step.
// Iterators and references stay valid until the element they refer to is
// erased (pointer stability of node_hash_map).
//
// NOT thread-safe: concurrent calls need external synchronization.
#ifndef EVICTLAB_NODE_ORDERED_DICT_H_
#define EVICTLAB_NODE_ORDERED_DICT_H_

#include <cstddef>
#include <functional>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/hash/hash.h"
#include "evictlab/errors.h"
#include "evictlab/key.h"

namespace evictlab {

template <class K, class V, class Hash = KeyHash<K>,
          class Eq = std::equal_to<K>>
class NodeOrderedDict {
  struct Node;
  using Map = absl::node_hash_map<K, Node, Hash, Eq>;
  using Slot = typename Map::value_type;  // std::pair<const K, Node>
  struct Node {
    explicit Node(V&& v) : value(std::move(v)) {}
    V value;
    Slot* prev = nullptr;
    Slot* next = nullptr;
  };

 public:
  using key_type = K;
  using mapped_type = V;

  // What iteration yields: references into the dict.
  struct Item {
    const K& key;
    V& value;
  };

  // Oldest -> newest (kForward) or newest -> oldest.
  template <bool kForward>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Item;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Item;

    Iterator() = default;
    Item operator*() const { return Item{slot_->first, slot_->second.value}; }
    const K& key() const { return slot_->first; }
    V& value() const { return slot_->second.value; }
    Iterator& operator++() {
      slot_ = kForward ? slot_->second.next : slot_->second.prev;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(Iterator a, Iterator b) {
      return a.slot_ == b.slot_;
    }
    friend bool operator!=(Iterator a, Iterator b) {
      return a.slot_ != b.slot_;
    }

   private:
    friend class NodeOrderedDict;
    explicit Iterator(Slot* slot) : slot_(slot) {}
    Slot* slot_ = nullptr;
  };
  using iterator = Iterator<true>;
  using reverse_iterator = Iterator<false>;

  NodeOrderedDict() = default;
  // The links point into this dict's own nodes, so copying would have to
  // rebuild them; moving keeps the nodes and is cheap.
  NodeOrderedDict(const NodeOrderedDict&) = delete;
  NodeOrderedDict& operator=(const NodeOrderedDict&) = delete;
  NodeOrderedDict(NodeOrderedDict&& other) noexcept
      : map_(std::move(other.map_)),
        head_(std::exchange(other.head_, nullptr)),
        tail_(std::exchange(other.tail_, nullptr)) {}
  NodeOrderedDict& operator=(NodeOrderedDict&& other) noexcept {
    map_ = std::move(other.map_);
    head_ = std::exchange(other.head_, nullptr);
    tail_ = std::exchange(other.tail_, nullptr);
    return *this;
  }

  std::size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  bool contains(const K& key) const { return map_.contains(key); }

  // Returns the value of `key`, or nullptr. Does not change the order.
  V* find(const K& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second.value;
  }
  const V* find(const K& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second.value;
  }

  // `d[key]` for reading. Throws KeyNotFoundError. Does not change the order.
  V& at(const K& key) {
    V* value = find(key);
    if (value == nullptr) throw KeyNotFoundError(key_repr(key));
    return *value;
  }

  // `d[key] = value`: in place if present (position kept), else newest.
  // Returns true when the key was new.
  bool set(const K& key, V value) { return set_impl(key, std::move(value)); }
  bool set(K&& key, V value) {
    return set_impl(std::move(key), std::move(value));
  }

  // `d.pop(key)`: removes and returns the value. Throws KeyNotFoundError.
  V pop(const K& key) {
    auto it = map_.find(key);
    if (it == map_.end()) throw KeyNotFoundError(key_repr(key));
    V value = std::move(it->second.value);
    unlink(&*it);
    map_.erase(it);
    return value;
  }

  // Removes `key` if present; returns whether it was.
  bool erase(const K& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    unlink(&*it);
    map_.erase(it);
    return true;
  }

  // `d.move_to_end(key, last)`. Throws KeyNotFoundError.
  void move_to_end(const K& key, bool last = true) {
    auto it = map_.find(key);
    if (it == map_.end()) throw KeyNotFoundError(key_repr(key));
    Slot* slot = &*it;
    if (last ? slot == tail_ : slot == head_) return;
    unlink(slot);
    if (last) {
      link_back(slot);
    } else {
      link_front(slot);
    }
  }

  // The oldest and newest keys. REQUIRES: !empty(). O(1).
  const K& front_key() const { return head_->first; }
  const K& back_key() const { return tail_->first; }

  void clear() {
    map_.clear();
    head_ = tail_ = nullptr;
  }

  // Oldest first; begin() == end() when empty.
  iterator begin() const { return iterator(head_); }
  iterator end() const { return iterator(nullptr); }
  // Newest first.
  reverse_iterator rbegin() const { return reverse_iterator(tail_); }
  reverse_iterator rend() const { return reverse_iterator(nullptr); }

  // The keys, oldest first (a copy: for tests and traces, not hot paths).
  std::vector<K> keys() const {
    std::vector<K> out;
    out.reserve(size());
    for (Slot* s = head_; s != nullptr; s = s->second.next) {
      out.push_back(s->first);
    }
    return out;
  }

 private:
  // One lookup; a new node is built around the value in place (no
  // default-construct-then-assign). try_emplace leaves `value` untouched when
  // the key exists, so it can still be assigned.
  template <class KeyArg>
  bool set_impl(KeyArg&& key, V&& value) {
    auto [it, inserted] =
        map_.try_emplace(std::forward<KeyArg>(key), std::move(value));
    if (inserted) {
      link_back(&*it);
    } else {
      it->second.value = std::move(value);
    }
    return inserted;
  }

  void link_back(Slot* slot) {
    slot->second.prev = tail_;
    slot->second.next = nullptr;
    if (tail_ != nullptr) {
      tail_->second.next = slot;
    } else {
      head_ = slot;
    }
    tail_ = slot;
  }
  void link_front(Slot* slot) {
    slot->second.prev = nullptr;
    slot->second.next = head_;
    if (head_ != nullptr) {
      head_->second.prev = slot;
    } else {
      tail_ = slot;
    }
    head_ = slot;
  }
  void unlink(Slot* slot) {
    Slot* prev = slot->second.prev;
    Slot* next = slot->second.next;
    (prev != nullptr ? prev->second.next : head_) = next;
    (next != nullptr ? next->second.prev : tail_) = prev;
  }

  Map map_;
  Slot* head_ = nullptr;
  Slot* tail_ = nullptr;
};

}  // namespace evictlab

#endif  // EVICTLAB_NODE_ORDERED_DICT_H_
