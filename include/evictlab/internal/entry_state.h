// EntryState<Dict, T>: a policy's per-key state (clock's counter, sieve's
// visited bit) for every key resident in the caller's dict. Not for users:
// the policies that keep such state include it.
//
// Over a dict with entry numbers (OrderedDict, AbslOrderedDict: `find_entry`,
// `entry_limit`), the state is a plain array indexed by the dict's entry
// number, beside the dict's own arrays: a hit is one probe of the dict and
// one array read, a store or a removal is the dict's own operation, and the
// state costs sizeof(T) per slab slot (the slab's capacity, 1-2x the resident
// keys) instead of a second hash table's slot per key (16 bytes of slot plus
// a control byte for a uint64 key at 7/16-7/8 load: 19-39 bytes). Over the
// other dicts (NodeOrderedDict, NaiveOrderedDict) it is that side table,
// absl::flat_hash_map<key, T>, so the same policy code runs over every dict.
//
// Contract (both forms):
// - `find(d, key)`: the state of a resident key, or nullptr. O(1).
// - `of(d, it)`: the state of the entry `it` points at. REQUIRES: `it` is a
//   live iterator of `d`. O(1).
// - `store(d, key, value, initial)`: `d[key] = value`; a new key's state is
//   `initial`, a resident key keeps its state (and its position). Returns
//   the replaced object's get_size (0 for a new key). Strong guarantee as
//   the dict's set.
// - `remove(d, key)`: `d.pop(key)`, the state forgotten. Throws
//   KeyNotFoundError (nothing changes).
// - `move_to_end(d, it)`: `d.move_to_end(it.key())`; `it` stays valid.
// REQUIRES: every insertion and removal of `d` goes through store/remove of
// the same EntryState. Pointers from `find`/`of` are invalidated by the next
// `store` of a new key. NOT thread-safe.
#ifndef EVICTLAB_INTERNAL_ENTRY_STATE_H_
#define EVICTLAB_INTERNAL_ENTRY_STATE_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "evictlab/key.h"
#include "evictlab/kv_object.h"

namespace evictlab::internal {

// Whether a dict hands out entry numbers (ordered_dict.h "Entry numbers").
template <class D, class = void>
inline constexpr bool kHasEntryNumbers = false;
template <class D>
inline constexpr bool kHasEntryNumbers<
    D, std::void_t<decltype(std::declval<const D&>().find_entry(
                       std::declval<const typename D::key_type&>())),
                   decltype(std::declval<const D&>().entry_limit())>> = true;

template <class Dict, class T, bool = kHasEntryNumbers<Dict>>
class EntryState {
 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;

  T* find(Dict& d, const key_type& key) {
    const auto e = d.find_entry(key);
    return e != Dict::kNoEntry ? &states_[e] : nullptr;
  }
  T& of(Dict& /*d*/, const typename Dict::iterator& it) {
    return states_[it.entry()];
  }
  std::int64_t store(Dict& d, const key_type& key, mapped_type value,
                     T initial) {
    if (const auto e = d.find_entry(key); e != Dict::kNoEntry) {
      mapped_type& slot = d.value_of(e);
      const std::int64_t old_size = evictlab::get_size(slot);
      slot = std::move(value);
      return old_size;
    }
    const auto e = d.insert_or_assign(key, std::move(value)).first;
    if (e >= states_.size()) {
      // The slab grew: follow it to its new limit, exactly (reserve, so the
      // vector does not double on top of the slab's doubling). If that
      // throws, take the key out again: the dict is as it was.
      try {
        states_.reserve(d.entry_limit());
        states_.resize(d.entry_limit());
      } catch (...) {
        d.erase(key);
        throw;
      }
    }
    states_[e] = initial;
    return 0;
  }
  mapped_type remove(Dict& d, const key_type& key) { return d.pop(key); }
  void move_to_end(Dict& d, const typename Dict::iterator& it) {
    d.move_to_end_entry(it.entry());
  }

 private:
  // states_[e] for entry e; slots of free entries hold stale values that the
  // next store of a new key overwrites.
  std::vector<T> states_;
};

template <class Dict, class T>
class EntryState<Dict, T, false> {
 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;

  T* find(Dict& /*d*/, const key_type& key) {
    const auto it = states_.find(key);
    return it != states_.end() ? &it->second : nullptr;
  }
  T& of(Dict& /*d*/, const typename Dict::iterator& it) {
    return states_.find(it.key())->second;
  }
  std::int64_t store(Dict& d, const key_type& key, mapped_type value,
                     T initial) {
    const mapped_type* old = d.find(key);
    const std::int64_t old_size = old ? evictlab::get_size(*old) : 0;
    const bool inserted = states_.try_emplace(key, initial).second;
    try {
      d.set(key, std::move(value));
    } catch (...) {
      if (inserted) states_.erase(key);
      throw;
    }
    return old_size;
  }
  mapped_type remove(Dict& d, const key_type& key) {
    mapped_type value = d.pop(key);
    states_.erase(key);
    return value;
  }
  void move_to_end(Dict& d, const typename Dict::iterator& it) {
    const key_type moved = it.key();
    d.move_to_end(moved);
  }

 private:
  absl::flat_hash_map<key_type, T, KeyHash<key_type>> states_;
};

}  // namespace evictlab::internal

#endif  // EVICTLAB_INTERNAL_ENTRY_STATE_H_
