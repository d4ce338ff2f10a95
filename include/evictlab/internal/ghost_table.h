// GhostTable: the key -> node-number index of the ghost lists of ARC
// (arc_evictor.h) and S3-FIFO (s3fifo_evictor.h). Not for users.
//
// The ghosts' keys already live in their slab (a node per ghost), so a
// slot here holds only the node number and 32 bits of the key's hash
// (8 bytes, against a key copy, the number and a control byte in an
// absl::flat_hash_map). Open addressing with linear probing; an erase
// shifts the run after it back (no tombstones, so a table whose size
// stays put, as a full cache's ghosts do, never rebuilds in place); the
// table is at most half full, and grows by doubling, reusing the stored
// hash bits (no key is hashed again). The keys are compared only when the
// 32 hash bits match.
//
// NOTE: hand-written because it was measured better than Abseil for this
// use (docs/PERFORMANCE.md, "ARC by entry number"): callgrind counts the
// replay of `arc` at 273.9 M instructions with absl::flat_hash_map<key,
// uint32> and 250.4 M with this table on the 10^6-request Zipf (-8.6%),
// 72.4 M and 62.0 M on the shipped cloudPhysics at 512 MiB (-14.5%); and
// in six alternating pairs on the 10^7-request Zipf the replay's wall time
// fell in every pair (median -11%, on a loaded VM).
//
// The `_hashed` forms take the key's hash_of() computed once by the caller,
// which may keep it beside the key (S3-FIFO keeps it in each ghost node, so
// dropping G's tail hashes no key, and a key looked up twice in one request
// is hashed once).
//
// Complexity: find, insert and erase O(1) expected (a probe run); growth
// O(size). Invalidation: none to speak of (the API hands out node numbers
// and probe positions; a position is valid until the next insert or
// erase). NOT thread-safe.
#ifndef EVICTLAB_INTERNAL_GHOST_TABLE_H_
#define EVICTLAB_INTERNAL_GHOST_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace evictlab::internal {

template <class K, class Hash>
class GhostTable {
 public:
  using Index = std::uint32_t;
  static constexpr Index kNil = std::numeric_limits<Index>::max();

  // A lookup's answer: the node number (kNil if absent) and its position
  // (for erase_at).
  struct Found {
    Index node = kNil;
    std::size_t pos = 0;
  };

  // `nodes[i].key` is node i's key. O(1) expected.
  template <class Nodes>
  Found find(const K& key, const Nodes& nodes) const {
    if (count_ == 0) return {};
    return find_hashed(key, hash_of(key), nodes);
  }
  // find, with `h` == hash_of(key). O(1) expected.
  template <class Nodes>
  Found find_hashed(const K& key, std::uint32_t h, const Nodes& nodes) const {
    if (count_ == 0) return {};
    for (std::size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      const Slot& s = slots_[pos];
      if (s.node == kNil) return {};
      if (s.hash == h && nodes[s.node].key == key) return {s.node, pos};
    }
  }

  // REQUIRES: `key` is absent and `node` != kNil. May throw (std::bad_alloc
  // from growth), changing nothing.
  void insert(const K& key, Index node) { insert_hashed(hash_of(key), node); }
  // insert, with `h` == hash_of(the key). Same REQUIRES and guarantee.
  void insert_hashed(std::uint32_t h, Index node) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    place(Slot{node, h});
    ++count_;
  }

  // Erases the slot a find returned. O(1) expected.
  void erase_at(std::size_t pos) {
    // Backward shift: each later entry of the run moves into the hole
    // unless its home lies strictly after the hole (cyclically), where the
    // probe for it would never look.
    std::size_t hole = pos;
    for (std::size_t j = (pos + 1) & mask_; slots_[j].node != kNil;
         j = (j + 1) & mask_) {
      const std::size_t home = slots_[j].hash & mask_;
      if (((j - home) & mask_) >= ((j - hole) & mask_)) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].node = kNil;
    --count_;
  }

  // Erases node `node`, whose key is `key`. REQUIRES: it is present. Finds
  // it by its number: no key compare.
  void erase(const K& key, Index node) { erase_hashed(hash_of(key), node); }
  // erase, with `h` == hash_of(the key): no key is read at all.
  void erase_hashed(std::uint32_t h, Index node) {
    std::size_t pos = h & mask_;
    while (slots_[pos].node != node) pos = (pos + 1) & mask_;
    erase_at(pos);
  }

  // The key's hash as the table keeps it: Hash's, multiplied by 2^64 / phi
  // so that every bit of it reaches the top 32 kept here (a weak Hash in its
  // low bits cannot cluster).
  static std::uint32_t hash_of(const K& key) {
    return static_cast<std::uint32_t>(
        (static_cast<std::uint64_t>(Hash{}(key)) * 0x9E3779B97F4A7C15ULL) >>
        32);
  }

  std::size_t size() const { return count_; }
  std::size_t capacity() const { return slots_.size(); }

 private:
  struct Slot {
    Index node = kNil;
    std::uint32_t hash = 0;
  };

  void place(Slot s) {
    std::size_t pos = s.hash & mask_;
    while (slots_[pos].node != kNil) pos = (pos + 1) & mask_;
    slots_[pos] = s;
  }

  void grow() {
    const std::size_t n = slots_.empty() ? 16 : 2 * slots_.size();
    // The positions are 32-bit hashes masked: no more slots than that.
    if (n > (std::size_t{1} << 32)) {
      throw std::length_error("ghost table: more than 2^31 ghosts");
    }
    std::vector<Slot> old(n);
    old.swap(slots_);
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.node != kNil) place(s);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace evictlab::internal

#endif  // EVICTLAB_INTERNAL_GHOST_TABLE_H_
