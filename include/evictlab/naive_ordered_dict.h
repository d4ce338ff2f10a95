// NaiveOrderedDict: the ordered dict a user would write by hand, kept as the
// baseline the lab measures OrderedDict against (dict `naive`).
//
// `std::list<std::pair<K, V>>` for the order plus
// `std::unordered_map<K, list iterator>` for lookup: two allocations and two
// copies of the key per entry, and a lookup that lands on a map node which
// then points to a separate list node.
//
// Same interface, semantics, complexity and iterator-validity rules as
// OrderedDict (see ordered_dict.h). NOT thread-safe.
#ifndef EVICTLAB_NAIVE_ORDERED_DICT_H_
#define EVICTLAB_NAIVE_ORDERED_DICT_H_

#include <cstddef>
#include <functional>
#include <list>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "evictlab/errors.h"
#include "evictlab/key.h"

namespace evictlab {

template <class K, class V, class Hash = KeyHash<K>,
          class Eq = std::equal_to<K>>
class NaiveOrderedDict {
  using List = std::list<std::pair<K, V>>;

 public:
  using key_type = K;
  using mapped_type = V;

  struct Item {
    const K& key;
    V& value;
  };

  // Oldest -> newest (over List::iterator) or newest -> oldest (over
  // List::reverse_iterator).
  template <class ListIt>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Item;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Item;

    Iterator() = default;
    Item operator*() const { return Item{it_->first, it_->second}; }
    const K& key() const { return it_->first; }
    V& value() const { return it_->second; }
    Iterator& operator++() {
      ++it_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++it_;
      return old;
    }
    friend bool operator==(Iterator a, Iterator b) { return a.it_ == b.it_; }
    friend bool operator!=(Iterator a, Iterator b) { return a.it_ != b.it_; }

   private:
    friend class NaiveOrderedDict;
    explicit Iterator(ListIt it) : it_(it) {}
    ListIt it_;
  };
  using iterator = Iterator<typename List::iterator>;
  using reverse_iterator = Iterator<typename List::reverse_iterator>;

  NaiveOrderedDict() = default;
  NaiveOrderedDict(const NaiveOrderedDict&) = delete;
  NaiveOrderedDict& operator=(const NaiveOrderedDict&) = delete;
  // Moving a std::list keeps its nodes, so the stored iterators stay valid.
  NaiveOrderedDict(NaiveOrderedDict&&) noexcept = default;
  NaiveOrderedDict& operator=(NaiveOrderedDict&&) noexcept = default;

  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  bool contains(const K& key) const { return index_.count(key) != 0; }

  V* find(const K& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }
  const V* find(const K& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }
  V& at(const K& key) {
    V* value = find(key);
    if (value == nullptr) throw KeyNotFoundError(key_repr(key));
    return *value;
  }

  bool set(const K& key, V value) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      it->second->second = std::move(value);
      return false;
    }
    order_.emplace_back(key, std::move(value));
    index_.emplace(key, std::prev(order_.end()));
    return true;
  }

  V pop(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) throw KeyNotFoundError(key_repr(key));
    V value = std::move(it->second->second);
    order_.erase(it->second);
    index_.erase(it);
    return value;
  }

  bool erase(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }

  void move_to_end(const K& key, bool last = true) {
    auto it = index_.find(key);
    if (it == index_.end()) throw KeyNotFoundError(key_repr(key));
    order_.splice(last ? order_.end() : order_.begin(), order_, it->second);
  }

  // The oldest and newest keys. REQUIRES: !empty(). O(1).
  const K& front_key() const { return order_.front().first; }
  const K& back_key() const { return order_.back().first; }

  void clear() {
    index_.clear();
    order_.clear();
  }

  iterator begin() { return iterator(order_.begin()); }
  iterator end() { return iterator(order_.end()); }
  // Newest first.
  reverse_iterator rbegin() { return reverse_iterator(order_.rbegin()); }
  reverse_iterator rend() { return reverse_iterator(order_.rend()); }

  std::vector<K> keys() const {
    std::vector<K> out;
    out.reserve(order_.size());
    for (const auto& entry : order_) out.push_back(entry.first);
    return out;
  }

 private:
  List order_;
  std::unordered_map<K, typename List::iterator, Hash, Eq> index_;
};

}  // namespace evictlab

#endif  // EVICTLAB_NAIVE_ORDERED_DICT_H_
