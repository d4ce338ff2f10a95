// SynchronizedCache and ShardedCache: their single-threaded contracts, and a
// writer thread putting, popping and evicting while reader threads hit, get
// and pin, checked for lost or duplicated entries afterwards. The same
// binary runs in the normal build and under ThreadSanitizer (the `tsan`
// preset), which also checks that every access to a cache's state is
// ordered by its lock. No libtorch: values are SizedObjects.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "evictlab/kv_object.h"
#include "evictlab/registry.h"
#include "evictlab/sharded_cache.h"
#include "evictlab/synchronized_cache.h"

namespace evictlab {
namespace {

using Id = std::uint64_t;
template <class Policy>
using Sync = SynchronizedCache<Policy, Id, SizedObject>;
template <class Policy>
using Sharded = ShardedCache<Policy, Id, SizedObject>;

PutOutcome<Id, SizedObject> put(Sync<StrictLRUPolicy>& c, Id key,
                                std::int64_t size) {
  return c.put(key, SizedObject{size}, size);
}

TEST(SynchronizedCacheTest, PutReportsVictimsWithTheirObjectsAndTheReplaced) {
  Sync<StrictLRUPolicy> c(300);
  EXPECT_TRUE(put(c, 1, 100).stored);
  put(c, 2, 100);
  put(c, 3, 100);
  const auto out = put(c, 4, 100);
  EXPECT_EQ(out.status, PutStatus::kLegal);
  EXPECT_TRUE(out.stored);
  ASSERT_EQ(out.evicted.size(), 1u);
  EXPECT_EQ(out.evicted[0].key, 1u);
  EXPECT_EQ(out.evicted[0].value.size, 100);
  EXPECT_FALSE(out.replaced);

  // A re-put hands back the old object; a bigger one evicts the oldest.
  const auto again = put(c, 3, 150);
  ASSERT_TRUE(again.replaced);
  EXPECT_EQ(again.replaced->size, 100);
  ASSERT_EQ(again.evicted.size(), 1u);
  EXPECT_EQ(again.evicted[0].key, 2u);
  EXPECT_EQ(c.keys(), (std::vector<Id>{4, 3}));
  const CacheAudit a = c.audit();
  EXPECT_EQ(a.entries, 2u);
  EXPECT_EQ(a.stored_bytes, 250);
  EXPECT_EQ(a.current, 250.0);

  EXPECT_EQ(put(c, 9, 301).status, PutStatus::kIllegal);
  EXPECT_FALSE(c.contains(9));
}

TEST(SynchronizedCacheTest, GetPromotesAndContainsDoesNot) {
  Sync<StrictLRUPolicy> c(300);
  put(c, 1, 100);
  put(c, 2, 100);
  EXPECT_TRUE(c.contains(1));
  EXPECT_EQ(c.keys(), (std::vector<Id>{1, 2}));
  ASSERT_TRUE(c.get(1));
  EXPECT_EQ(c.get(1)->size, 100);
  EXPECT_EQ(c.keys(), (std::vector<Id>{2, 1}));
  EXPECT_FALSE(c.get(7));
  EXPECT_FALSE(c.hit(7));
  EXPECT_TRUE(c.hit(2));
  EXPECT_EQ(c.keys(), (std::vector<Id>{1, 2}));
}

TEST(SynchronizedCacheTest, APinnedKeyIsNeverAVictimNorPoppedNorReplaced) {
  Sync<StrictLRUPolicy> c(300);
  put(c, 1, 100);
  put(c, 2, 100);
  put(c, 3, 100);
  EXPECT_FALSE(c.pin(9));  // absent
  ASSERT_TRUE(c.pin(1));
  ASSERT_TRUE(c.pin(1));  // a second reader
  const auto out = put(c, 4, 100);
  ASSERT_EQ(out.evicted.size(), 1u);
  EXPECT_EQ(out.evicted[0].key, 2u);  // the oldest unpinned
  EXPECT_FALSE(c.pop(1));
  EXPECT_EQ(put(c, 1, 50).status, PutStatus::kIllegal);
  EXPECT_EQ(c.audit().pinned_bytes, 100);
  EXPECT_TRUE(c.unpin(1));
  EXPECT_FALSE(c.pop(1));  // still pinned once
  EXPECT_TRUE(c.unpin(1));
  EXPECT_FALSE(c.unpin(1));
  ASSERT_TRUE(c.pop(1));
  EXPECT_EQ(c.audit().pinned_keys, 0u);
  // Every unpinned byte cannot cover a put: ILLEGAL, nothing changes.
  ASSERT_TRUE(c.pin(3));
  ASSERT_TRUE(c.pin(4));
  EXPECT_EQ(put(c, 5, 150).status, PutStatus::kIllegal);
  EXPECT_EQ(c.keys(), (std::vector<Id>{3, 4}));
}

TEST(SynchronizedCacheTest, EvictTakesThePolicysVictimsAndSkipsPins) {
  Sync<StrictLRUPolicy> c(400);
  for (Id k = 1; k <= 4; ++k) put(c, k, 100);
  ASSERT_TRUE(c.pin(1));
  const auto out = c.evict(2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].key, 2u);
  EXPECT_EQ(out[1].key, 3u);
  EXPECT_EQ(c.evict(10).size(), 1u);  // 4; 1 is pinned
  EXPECT_EQ(c.keys(), (std::vector<Id>{1}));
  EXPECT_EQ(c.audit().current, 100.0);
}

TEST(ShardedCacheTest, CapacitySplitsEvenlyAndSumsToTheWhole) {
  Sharded<StrictLRUPolicy> c(10, 4);
  ASSERT_EQ(c.shard_count(), 4u);
  EXPECT_EQ(c.shard(0).capacity(), 3);
  EXPECT_EQ(c.shard(1).capacity(), 3);
  EXPECT_EQ(c.shard(2).capacity(), 2);
  EXPECT_EQ(c.shard(3).capacity(), 2);
  EXPECT_THROW(Sharded<StrictLRUPolicy>(10, 0), std::invalid_argument);
  EXPECT_THROW(Sharded<StrictLRUPolicy>(10, 11), std::invalid_argument);
}

TEST(ShardedCacheTest, ShardOfIsTheDocumentedMixerForIntegerKeys) {
  // splitmix64's first output from state 0 (Vigna's reference code).
  EXPECT_EQ(shard_mix(0), 0xE220A8397B1DCDAFu);
  Sharded<StrictLRUPolicy> c(1 << 20, 8);
  std::vector<int> per_shard(8);
  for (Id k = 0; k < 80000; ++k) {
    const std::size_t s = c.shard_of(k);
    ASSERT_EQ(s, shard_index(shard_mix(k), 8));
    ++per_shard[s];
  }
  // Sequential ids spread evenly (10000 expected; 3 sigma is about 300).
  for (int n : per_shard) EXPECT_NEAR(n, 10000, 400);
  // Every key lives in its own shard only.
  for (Id k = 0; k < 64; ++k) c.put(k, SizedObject{1}, 1);
  for (Id k = 0; k < 64; ++k) {
    for (std::size_t s = 0; s < 8; ++s) {
      EXPECT_EQ(c.shard(s).contains(k), s == c.shard_of(k)) << k;
    }
  }
}

TEST(ShardedCacheTest, AnObjectLargerThanAShardIsNotAdmitted) {
  Sync<StrictLRUPolicy> whole(1000);
  Sharded<StrictLRUPolicy> four(1000, 4);
  EXPECT_EQ(whole.put(1, SizedObject{300}, 300).status, PutStatus::kLegal);
  EXPECT_EQ(four.put(1, SizedObject{300}, 300).status, PutStatus::kIllegal);
  EXPECT_EQ(four.put(1, SizedObject{250}, 250).status, PutStatus::kLegal);
}

// Every registry policy over the default dict, and lru_strict over every
// dict: the same calls, and every key put is resident or handed back.
template <class Policy, class DictSel>
void expect_ledger_holds() {
  SynchronizedCache<Policy, Id, SizedObject, DictSel> c(1000);
  std::vector<int> handed_back(40, 0);
  std::vector<bool> stored(40, false);
  for (Id k = 0; k < 40; ++k) {
    const auto out = c.put(k, SizedObject{100 + 10 * static_cast<int>(k % 3)},
                           100 + 10 * static_cast<std::int64_t>(k % 3));
    stored[k] = out.stored;
    for (const auto& e : out.evicted) ++handed_back[e.key];
    if (k % 5 == 0) c.hit(k / 2);
    if (k % 7 == 0 && c.pop(k / 3)) ++handed_back[k / 3];
  }
  const std::vector<Id> keys = c.keys();
  for (Id k = 0; k < 40; ++k) {
    const int resident =
        static_cast<int>(std::count(keys.begin(), keys.end(), k));
    EXPECT_EQ(resident + handed_back[k], stored[k] ? 1 : 0)
        << Policy::kTraits.name << "/" << DictSel::kName << " key " << k;
  }
  if constexpr (Policy::kTraits.evicts) {
    EXPECT_LE(c.audit().stored_bytes, 1000) << Policy::kTraits.name;
  }
}

TEST(SynchronizedCacheTest, EveryPolicyAndEveryDictKeepTheLedger) {
  for_each_policy([](auto p) {
    using Policy = decltype(p);
    // The reference lru is never told of a pop: its accounting drifts, as
    // the original's does, and a put may then run off the end.
    if constexpr (Policy::kTraits.exact_accounting || !Policy::kTraits.evicts) {
      expect_ledger_holds<Policy, DefaultDict>();
    }
  });
  for_each_dict(
      [](auto d) { expect_ledger_holds<StrictLRUPolicy, decltype(d)>(); });
}

// ---------------------------------------------------------------------------
// A writer thread and reader threads on one cache.

constexpr std::int64_t kCapacity = 64 * 1024;
// Sizes 64..512: a put evicts zero to several objects.
std::int64_t size_of(Id key) { return 64 * (1 + (key * 7919 % 8)); }

template <class CacheT>
struct Stress {
  using Cache = CacheT;
  static constexpr std::size_t kShards = 0;  // a SynchronizedCache
};
template <class Policy, std::size_t N>
struct ShardedOf {
  using Cache = Sharded<Policy>;
  static constexpr std::size_t kShards = N;
};

template <class T>
class ConcurrentCacheTest : public ::testing::Test {};

using CacheTypes =
    ::testing::Types<Stress<Sync<LRUPolicy>>, Stress<Sync<StrictLRUPolicy>>,
                     Stress<Sync<FIFOPolicy>>, Stress<Sync<ClockPolicy>>,
                     Stress<Sync<S3FIFOPolicy>>, Stress<Sync<ARCPolicy>>,
                     Stress<Sync<LFUPolicy>>, ShardedOf<LRUPolicy, 4>,
                     ShardedOf<StrictLRUPolicy, 4>, ShardedOf<S3FIFOPolicy, 3>>;
TYPED_TEST_SUITE(ConcurrentCacheTest, CacheTypes);

template <class Cache>
std::unique_ptr<Cache> make_cache(std::size_t shards) {
  if constexpr (std::is_constructible_v<Cache, std::int64_t, std::size_t>) {
    return std::make_unique<Cache>(kCapacity, shards);
  } else {
    return std::make_unique<Cache>(kCapacity);
  }
}

// Every key put is either resident exactly once or was handed back exactly
// once (a victim of a put or of evict, or popped); no object changes; the
// evictor's occupancy is the sum of the resident sizes; and, draining the
// cache through the policy's own choice of victims, the policy names exactly
// the dict's resident keys.
TYPED_TEST(ConcurrentCacheTest, AWriterAndReadersLoseAndDuplicateNothing) {
  using Cache = typename TypeParam::Cache;
  constexpr PolicyTraits kTraits = Cache::kTraits;
  // The reference lru is never told of a pop (lru_evictor.h): its writer
  // only puts new keys, which it accounts exactly.
  constexpr bool kPops = kTraits.exact_accounting;
  constexpr Id kKeys = 6000;
  constexpr int kReaders = 2;
  auto cache = make_cache<Cache>(TypeParam::kShards);

  std::atomic<Id> published{0};
  std::atomic<bool> done{false};
  // Written by the writer only, read after join.
  std::vector<int> handed_back(kKeys, 0);
  std::vector<bool> stored(kKeys, false);
  std::vector<std::string> errors;  // the writer's
  std::atomic<long> bad_reads{0}, reads_hit{0}, pins_held{0};

  auto hand_back = [&](Id key, std::int64_t size) {
    if (key >= kKeys || size != size_of(key)) {
      errors.push_back("object of key " + std::to_string(key) + " changed");
      return;
    }
    ++handed_back[key];
  };
  // Reader operations so far: the writer keeps pace with them, so that the
  // threads really interleave (unthrottled, the writer of a small cache can
  // finish before a reader thread has started).
  std::atomic<long> reads{0};
  auto writer = [&] {
    std::mt19937_64 rng(1);
    for (Id k = 0; k < kKeys; ++k) {
      if (k % 16 == 0) {
        while (reads.load(std::memory_order_relaxed) < static_cast<long>(k / 4))
          std::this_thread::yield();
      }
      const auto out = cache->put(k, SizedObject{size_of(k)}, size_of(k));
      if (out.replaced) errors.push_back("a new key replaced an object");
      for (const auto& e : out.evicted) hand_back(e.key, e.value.size);
      stored[k] = out.stored;
      published.store(k + 1, std::memory_order_release);
      if constexpr (kPops) {
        if (k % 7 == 0) {
          const Id victim = rng() % (k + 1);
          if (auto v = cache->pop(victim)) hand_back(victim, v->size);
        }
      }
      if constexpr (Cache::kCanEvict) {
        if (k % 13 == 0) {
          for (const auto& e : cache->evict(2)) hand_back(e.key, e.value.size);
        }
      }
      if (k % 101 == 0) {
        const CacheAudit a = cache->audit();
        if constexpr (kTraits.exact_accounting) {
          if (a.current && *a.current != static_cast<double>(a.stored_bytes)) {
            errors.push_back("occupancy is not the sum of resident sizes");
          }
        }
        if (a.stored_bytes > kCapacity) errors.push_back("over capacity");
      }
    }
    done.store(true, std::memory_order_release);
  };
  auto reader = [&](int seed) {
    std::mt19937_64 rng(100 + seed);
    while (!done.load(std::memory_order_acquire)) {
      const Id n = published.load(std::memory_order_acquire);
      if (n == 0) continue;
      // Mostly recent keys, so that reads hit.
      const Id key = n - 1 - rng() % std::min<Id>(n, 400);
      const int what = static_cast<int>(rng() % 4);
      reads.fetch_add(1, std::memory_order_relaxed);
      if constexpr (Cache::kHasPins) {
        if (what == 0) {
          if (!cache->pin(key)) continue;
          ++pins_held;
          // Pinned: resident until unpinned, whatever the writer does.
          for (int i = 0; i < 3; ++i) {
            const auto v = cache->get(key);
            if (!v || v->size != size_of(key)) ++bad_reads;
          }
          if (!cache->unpin(key)) ++bad_reads;
          continue;
        }
      }
      if (what == 1) {
        reads_hit += cache->hit(key) ? 1 : 0;
      } else if (const auto v = cache->get(key)) {
        ++reads_hit;
        if (v->size != size_of(key)) ++bad_reads;
      }
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(writer);
  for (int r = 0; r < kReaders; ++r) threads.emplace_back(reader, r);
  for (std::thread& t : threads) t.join();

  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(bad_reads.load(), 0);
  EXPECT_GT(reads_hit.load(), 0);
  if constexpr (Cache::kHasPins) EXPECT_GT(pins_held.load(), 0);

  const std::vector<Id> resident = cache->keys();
  absl::flat_hash_set<Id> resident_set(resident.begin(), resident.end());
  ASSERT_EQ(resident_set.size(), resident.size()) << "a key resident twice";
  std::int64_t resident_bytes = 0;
  Id stored_count = 0;
  for (Id k = 0; k < kKeys; ++k) {
    const int in_cache = resident_set.contains(k) ? 1 : 0;
    resident_bytes += in_cache * size_of(k);
    stored_count += stored[k];
    // A put whose insertion was ILLEGAL or declined is never handed back.
    ASSERT_EQ(in_cache + handed_back[k], stored[k] ? 1 : 0)
        << "key " << k << ": resident " << in_cache << ", handed back "
        << handed_back[k] << " times, stored " << stored[k];
  }
  EXPECT_GT(stored_count, kKeys / 2);
  const CacheAudit a = cache->audit();
  EXPECT_EQ(a.entries, resident.size());
  EXPECT_EQ(a.stored_bytes, resident_bytes);
  EXPECT_EQ(a.pinned_keys, 0u);
  if constexpr (kTraits.exact_accounting) {
    EXPECT_EQ(a.current, static_cast<double>(resident_bytes));
  }
  if constexpr (Cache::kCanEvict) {
    // The policy's resident set is the dict's: asked for every victim it
    // has, it names each resident key once, and then nothing is left.
    const auto drained = cache->evict(std::numeric_limits<std::size_t>::max());
    absl::flat_hash_set<Id> named;
    for (const auto& e : drained) {
      EXPECT_TRUE(named.insert(e.key).second) << "victim twice: " << e.key;
      EXPECT_EQ(e.value.size, size_of(e.key));
    }
    EXPECT_EQ(named, resident_set);
    EXPECT_EQ(cache->size(), 0u);
    EXPECT_EQ(cache->audit().current, 0.0);
  }
}

}  // namespace
}  // namespace evictlab
