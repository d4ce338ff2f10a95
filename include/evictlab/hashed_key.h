// HashedKey<K>: an immutable, shared key that carries its own hash: the C++
// counterpart of a Python `str` object.
//
// CPython computes a string's hash once and caches it in the object, and a
// dict compares keys by identity (`is`) before equality; the caller's key
// object and the one stored in the dict are usually the same object, so a
// lookup never reads the characters. A C++ dict over `std::string` or
// CacheEngineKey hashes every probe key and compares characters (callgrind:
// hashing alone is ~half of an UpdateOnGet with those keys), and at 2^20
// entries the comparison reads two cold heap buffers.
//
// HashedKey hashes once, at construction; the key lives in a shared
// representation and the hash beside the pointer to it (16 bytes):
// - copies share the key (one atomic reference-count increment, no
//   allocation);
// - hashing and the identity check read only the handle: a hit whose probe
//   key is the stored key's copy never touches the key's own memory (at 2^20
//   entries that is one cache miss fewer per lookup);
// - equality checks identity first, then the hashes, then the keys;
// - the table hashes the cached value (one mix), keeping Abseil's seeding.
// Two HashedKeys are equal iff their keys are equal, so a dict keyed by
// HashedKey<K> behaves exactly like one keyed by K.
//
// Thread-safety: copies may be made and destroyed concurrently (atomic
// counts); the key itself is immutable. A moved-from HashedKey may only be
// destroyed or assigned to.
#ifndef EVICTLAB_HASHED_KEY_H_
#define EVICTLAB_HASHED_KEY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/hash/hash.h"
#include "evictlab/key.h"

namespace evictlab {

template <class K>
class HashedKey {
 public:
  explicit HashedKey(K key)
      : hash_(KeyHash<K>{}(key)), rep_(new Rep(std::move(key))) {}

  HashedKey(const HashedKey& other) noexcept
      : hash_(other.hash_), rep_(other.rep_) {
    retain();
  }
  HashedKey(HashedKey&& other) noexcept
      : hash_(other.hash_), rep_(std::exchange(other.rep_, nullptr)) {}
  HashedKey& operator=(const HashedKey& other) noexcept {
    HashedKey copy(other);
    std::swap(hash_, copy.hash_);
    std::swap(rep_, copy.rep_);
    return *this;
  }
  HashedKey& operator=(HashedKey&& other) noexcept {
    std::swap(hash_, other.hash_);
    std::swap(rep_, other.rep_);
    return *this;
  }
  ~HashedKey() { release(); }

  const K& get() const { return rep_->key; }
  std::size_t hash() const { return hash_; }

  // Whether both share one representation (Python's `is`): implies ==.
  // Tables use it as their inlined fast path (see OrderedDict::find_slot).
  bool identical(const HashedKey& other) const { return rep_ == other.rep_; }

  friend bool operator==(const HashedKey& a, const HashedKey& b) {
    return a.rep_ == b.rep_ || (a.hash_ == b.hash_ && equal_keys(a, b));
  }
  friend bool operator!=(const HashedKey& a, const HashedKey& b) {
    return !(a == b);
  }
  template <typename H>
  friend H AbslHashValue(H h, const HashedKey& k) {
    return H::combine(std::move(h), k.hash_);
  }

 private:
  struct Rep {
    explicit Rep(K k) : key(std::move(k)) {}
    std::atomic<std::uint32_t> refs{1};
    K key;
  };

  // Distinct representations with equal hashes: compare the keys. Out of
  // line, so that a table's inlined hit path (identity) keeps its registers.
  ABSL_ATTRIBUTE_NOINLINE static bool equal_keys(const HashedKey& a,
                                                 const HashedKey& b) {
    return a.rep_->key == b.rep_->key;
  }

  void retain() noexcept {
    if (rep_ != nullptr) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept {
    if (rep_ != nullptr &&
        rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete rep_;
    }
  }

  std::size_t hash_;
  Rep* rep_;
};

template <class K>
std::string key_repr(const HashedKey<K>& key) {
  return key_repr(key.get());
}

}  // namespace evictlab

#endif  // EVICTLAB_HASHED_KEY_H_
