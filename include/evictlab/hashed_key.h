// HashedKey<K>: a key that carries its own hash, as Python's `str` does.
//
// CPython computes a string's hash once and caches it in the object, so every
// later dict operation on the same key object skips hashing. A C++ dict that
// hashes `std::string` or CacheEngineKey on every lookup spends most of an
// update_on_get there (bench: callgrind shows LowLevelHash at ~40% of the
// instructions of UpdateOnGet/lru/*/str). HashedKey hashes once, at
// construction, and compares the stored hashes before the keys.
//
// Immutable: the key cannot change after construction, so the cached hash
// cannot go stale. Copying copies the key and the hash. Thread-compatible.
// Two HashedKeys are equal iff their keys are equal (the hash check is only
// a shortcut), so a dict keyed by HashedKey<K> behaves exactly like one keyed
// by K.
#ifndef EVICTLAB_HASHED_KEY_H_
#define EVICTLAB_HASHED_KEY_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/hash/hash.h"
#include "evictlab/key.h"

namespace evictlab {

template <class K>
class HashedKey {
 public:
  explicit HashedKey(K key) : key_(std::move(key)), hash_(KeyHash<K>{}(key_)) {}

  const K& get() const { return key_; }
  std::size_t hash() const { return hash_; }

  friend bool operator==(const HashedKey& a, const HashedKey& b) {
    return a.hash_ == b.hash_ && a.key_ == b.key_;
  }
  friend bool operator!=(const HashedKey& a, const HashedKey& b) {
    return !(a == b);
  }
  // The table still mixes the cached value (one multiply), which keeps
  // Abseil's per-process seeding and its H1/H2 split intact.
  template <typename H>
  friend H AbslHashValue(H h, const HashedKey& k) {
    return H::combine(std::move(h), k.hash_);
  }

 private:
  K key_;
  std::size_t hash_;
};

template <class K>
std::string key_repr(const HashedKey<K>& key) {
  return key_repr(key.get());
}

}  // namespace evictlab

#endif  // EVICTLAB_HASHED_KEY_H_
