// ShardedCache: keys partitioned by hash over N independently locked
// SynchronizedCaches (synchronized_cache.h), each with its own policy, dict
// and 1/N of the capacity, so that threads working on different shards do
// not wait for each other.
//
// Partition: shard_of(key) = high 64 bits of mix(h) * N (a multiply-shift
// range reduction, any N), where mix is the splitmix64 finalizer
// (ShardMix), a bijection whose every output bit depends on every input bit,
// and h is
//   - for an integral key (the simulator's object ids): the id itself, so
//     a partition, and a simulation's result, is the same in every process;
//   - for any other key: KeyHash<K> (absl::Hash), the dict's own hash.
//     NOTE: absl::Hash is seeded per process, so which shard such a key
//     lands in changes from run to run (as absl's iteration order does);
//     the balance of the shards does not.
// The dict takes its home group and its tags from h's low and middle bits;
// the shard comes from the high bits of mix(h), which are independent of
// them, so the keys of one shard still spread over its whole table (taking
// the shard from h % N would leave a power-of-two N's shards using 1/N of
// their groups).
//
// Capacity: shard i gets C / N bytes, plus one for i < C % N (the shards sum
// to C exactly). REQUIRES: 1 <= N <= C.
//
// What sharding changes (docs/CONCURRENCY.md has the measured table): each
// shard is its own cache of C/N bytes with its own policy state, so
// - eviction order is per shard: a put evicts its own shard's LRU tail (or
//   S3-FIFO queue tail, ...), which is generally not the globally oldest
//   object; a shard that receives more of the recent keys turns over faster
//   than the others while another keeps older objects;
// - an object larger than C/N can no longer be admitted (its shard answers
//   ILLEGAL), although it would fit in the whole cache;
// - policy state that is a fraction of the capacity (S3-FIFO's small queue
//   and ghost, ARC's target) is a fraction of each shard's;
// - hit ratios therefore differ from the unsharded cache's; with N = 1 the
//   cache is exactly the SynchronizedCache of C bytes (tested against the
//   unsharded simulator, tests/sharded_simulation_test.cc).
//
// Atomicity and lock order: every per-key call (contains, hit, get, put,
// access, pop, pin, unpin) takes exactly its key's shard lock and is atomic
// as in SynchronizedCache. No call ever holds two shard locks. The
// whole-cache calls (size, audit, evict, keys) visit the shards one after
// another, in index order, each under its own lock: they are not a snapshot
// of the whole cache while other threads write.
//
// Thread-safety: thread-safe (all methods). Not movable or copyable.
#ifndef EVICTLAB_SHARDED_CACHE_H_
#define EVICTLAB_SHARDED_CACHE_H_

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "absl/numeric/int128.h"
#include "evictlab/key.h"
#include "evictlab/synchronized_cache.h"

namespace evictlab {

// The splitmix64 finalizer (Steele, Lea & Flood, 2014; also Java's
// SplittableRandom.mix64): a bijection on 64 bits with full avalanche.
inline constexpr std::uint64_t shard_mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15u;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
  return x ^ (x >> 31);
}

// The hash a ShardedCache partitions by (see above). Specialize it for a key
// type that needs another.
template <class K, class = void>
struct ShardHash {
  std::uint64_t operator()(const K& key) const {
    return shard_mix(static_cast<std::uint64_t>(KeyHash<K>{}(key)));
  }
};
template <class K>
struct ShardHash<K, std::enable_if_t<std::is_integral_v<K>>> {
  std::uint64_t operator()(K key) const {
    return shard_mix(static_cast<std::uint64_t>(key));
  }
};

// shard_of's reduction: the high 64 bits of hash * shards, in [0, shards).
inline std::size_t shard_index(std::uint64_t hash, std::size_t shards) {
  return static_cast<std::size_t>(
      absl::Uint128High64(absl::uint128(hash) * shards));
}

template <class Policy, class K, class V, class DictSel = DefaultDict,
          class Hash = ShardHash<K>>
class ShardedCache {
 public:
  using Shard = SynchronizedCache<Policy, K, V, DictSel>;
  using key_type = K;
  using mapped_type = V;
  using Entry = typename Shard::Entry;
  using Outcome = typename Shard::Outcome;
  static constexpr PolicyTraits kTraits = Policy::kTraits;
  static constexpr bool kHasPins = Shard::kHasPins;
  static constexpr bool kCanEvict = Shard::kCanEvict;

  // Throws std::invalid_argument when shards is 0 or above capacity_bytes,
  // and what SynchronizedCache's constructor throws.
  ShardedCache(std::int64_t capacity_bytes, std::size_t shards,
               const PolicyParams& params = {})
      : capacity_(capacity_bytes) {
    if (shards == 0 || capacity_bytes < 0 ||
        shards > static_cast<std::uint64_t>(capacity_bytes)) {
      throw std::invalid_argument(
          fmt::format("shards {}: must be in [1, capacity] (capacity {} bytes)",
                      shards, capacity_bytes));
    }
    const std::int64_t n = static_cast<std::int64_t>(shards);
    shards_.reserve(shards);
    for (std::int64_t i = 0; i < n; ++i) {
      shards_.push_back(std::make_unique<Shard>(
          capacity_bytes / n + (i < capacity_bytes % n ? 1 : 0), params));
    }
  }
  ShardedCache(const ShardedCache&) = delete;
  ShardedCache& operator=(const ShardedCache&) = delete;

  std::size_t shard_count() const { return shards_.size(); }
  std::int64_t capacity() const { return capacity_; }
  std::size_t shard_of(const K& key) const {
    return shard_index(Hash{}(key), shards_.size());
  }
  Shard& shard(std::size_t i) { return *shards_[i]; }
  const Shard& shard(std::size_t i) const { return *shards_[i]; }
  Shard& shard_for(const K& key) { return *shards_[shard_of(key)]; }
  const Shard& shard_for(const K& key) const { return *shards_[shard_of(key)]; }

  // Per key: SynchronizedCache's contract, on the key's shard.
  bool contains(const K& key) const { return shard_for(key).contains(key); }
  bool hit(const K& key, std::int64_t next_access = kNoNextAccess) {
    return shard_for(key).hit(key, next_access);
  }
  std::optional<V> get(const K& key, std::int64_t next_access = kNoNextAccess) {
    return shard_for(key).get(key, next_access);
  }
  Outcome put(const K& key, V value, std::int64_t size,
              std::int64_t next_access = kNoNextAccess) {
    return shard_for(key).put(key, std::move(value), size, next_access);
  }
  void put(const K& key, V value, std::int64_t size, Outcome& out,
           std::int64_t next_access = kNoNextAccess) {
    shard_for(key).put(key, std::move(value), size, out, next_access);
  }
  AccessOutcome access(const K& key, std::int64_t size, V value,
                       std::int64_t next_access = kNoNextAccess) {
    return shard_for(key).access(key, size, std::move(value), next_access);
  }
  std::optional<V> pop(const K& key) { return shard_for(key).pop(key); }
  template <bool kEnabled = kHasPins, std::enable_if_t<kEnabled, int> = 0>
  bool pin(const K& key) {
    return shard_for(key).pin(key);
  }
  template <bool kEnabled = kHasPins, std::enable_if_t<kEnabled, int> = 0>
  bool unpin(const K& key) {
    return shard_for(key).unpin(key);
  }

  // Whole cache, shard by shard (not atomic across shards).
  // Up to `n` victims in all, taken from shard 0 onwards.
  template <bool kEnabled = kCanEvict, std::enable_if_t<kEnabled, int> = 0>
  std::vector<Entry> evict(std::size_t n) {
    std::vector<Entry> out;
    for (auto& s : shards_) {
      if (out.size() >= n) break;
      for (Entry& e : s->evict(n - out.size())) out.push_back(std::move(e));
    }
    return out;
  }
  std::size_t size() const {
    std::size_t total = 0;
    for (const auto& s : shards_) total += s->size();
    return total;
  }
  // The shards' audits summed (`current` summed when the policy keeps one).
  CacheAudit audit() const {
    CacheAudit total;
    for (const auto& s : shards_) {
      const CacheAudit a = s->audit();
      total.entries += a.entries;
      total.stored_bytes += a.stored_bytes;
      if (a.current) total.current = total.current.value_or(0.0) + *a.current;
      total.pinned_keys += a.pinned_keys;
      total.pinned_bytes += a.pinned_bytes;
    }
    return total;
  }
  // The resident keys, shard after shard, each in its dict's order.
  std::vector<K> keys() const {
    std::vector<K> out;
    for (const auto& s : shards_) {
      for (K& k : s->keys()) out.push_back(std::move(k));
    }
    return out;
  }

 private:
  const std::int64_t capacity_;
  // One allocation per shard: each shard's lock and state on lines of its
  // own (SynchronizedCache is cache-line aligned).
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace evictlab

#endif  // EVICTLAB_SHARDED_CACHE_H_
