// A KV block store that fails after evictions (SIM-SPEC section 5, issue
// 12): a missing block takes section 1's miss path, which evicts one victim
// at a time, never a block of the current request; when no other victim
// remains the block is not stored, and the evictions made until then stand.
// Hand-worked per policy (the exact victims, the counters, what is resident
// afterwards, and for ARC and S3-FIFO the ghost entries those evictions
// left, seen by later requests), then a randomized check, for every
// evicting policy, that put_best_effort and the all-or-nothing pinned
// put_blocking agree wherever the latter succeeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "evictlab/caller.h"
#include "evictlab/pins.h"
#include "evictlab/registry.h"
#include "evictlab/sim/kv_replay.h"
#include "evictlab/sim/kv_trace.h"

namespace evictlab::sim {
namespace {

using Keys = std::vector<std::uint64_t>;

// A trace from (input_length, hash_ids) pairs, through the reader.
KvTrace kv(const std::vector<std::pair<int, Keys>>& requests) {
  std::string text;
  for (const auto& [tokens, ids] : requests) {
    text +=
        "{\"input_length\": " + std::to_string(tokens) + ", \"hash_ids\": [";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      text += (i ? ", " : "") + std::to_string(ids[i]);
    }
    text += "]}\n";
  }
  KvTrace t = parse_mooncake(text, "hand.jsonl");
  compute_kv_next_access(t);
  return t;
}

// Replays requests [begin, end) of `t`, all counted.
template <class Replayer>
void feed(Replayer& r, const KvTrace& t, std::size_t begin, std::size_t end) {
  for (std::size_t q = begin; q < end; ++q) {
    const std::uint64_t b = t.offsets[q];
    r.request(t.blocks.data() + b, t.offsets[q + 1] - b, t.input_length[q],
              Replayer::kFuture ? t.next_access.data() + b : nullptr, true);
  }
}

// C = 3 blocks + 300 tokens. [1] [2] [3] (100 tokens each) and [1] again
// (a hit); then R = [10 11 12 13]: 10..12 fill C exactly, and 13 (512)
// needs more than the 300 unpinned bytes, so 1, 2 and 3 are evicted in the
// policy's order, only R's blocks are left, the store fails and 13 is not
// stored. [3] [2] [1] then miss (an all-or-nothing put would have evicted
// nothing: three hits) and fit beside 10..12.
const KvTrace& small_blocks_then_a_long_request() {
  static const KvTrace t = kv({{100, {1}},
                               {100, {2}},
                               {100, {3}},
                               {100, {1}},
                               {2048, {10, 11, 12, 13}},
                               {100, {3}},
                               {100, {2}},
                               {100, {1}}});
  return t;
}
constexpr std::uint64_t kSmallCache = 3 * 512 + 300;

struct Case {
  const char* policy;
  Keys victims;  // of block 13, in eviction order
};

class StoreFailsAfterEvictions : public ::testing::TestWithParam<Case> {};

TEST_P(StoreFailsAfterEvictions, VictimsStandAndTheRequestStops) {
  const Case& c = GetParam();
  const KvTrace& t = small_blocks_then_a_long_request();
  // s3fifo's small queue must admit a 512-token block: |S| = 550.
  PolicyParams params(c.policy);
  if (std::string(c.policy) == "s3fifo") params.set("fifo-size-ratio", "0.3");
  const bool found = with_policy_named(c.policy, [&](auto p) {
    using P = decltype(p);
    if constexpr (P::kTraits.evicts) {
      KvReplayer<P> r(kSmallCache, 1, params);
      feed(r, t, 0, 4);
      ASSERT_EQ(r.result().n_evict, 0u);
      ASSERT_EQ(r.result().n_block_hit, 1u);
      feed(r, t, 4, 5);
      EXPECT_EQ(r.last_victims(), c.victims);
      EXPECT_EQ(r.result().n_evict, 3u);
      EXPECT_EQ(r.result().n_store_failure, 1u);
      EXPECT_EQ(r.result().n_store, 6u);  // 1 2 3, 10 11 12
      EXPECT_EQ(r.dict().size(), 3u);
      for (std::uint64_t key : {10, 11, 12})
        EXPECT_TRUE(r.dict().contains(key));
      EXPECT_EQ(static_cast<double>(r.evictor().current_cache_size()),
                3.0 * 512);
      feed(r, t, 5, 8);
      EXPECT_EQ(r.result().n_block_hit, 1u);  // 3, 2, 1 were evicted
      EXPECT_EQ(r.result().n_store, 9u);
      EXPECT_EQ(r.result().n_evict, 3u);  // they fit in the freed room
      EXPECT_EQ(r.result().n_store_failure, 1u);
    } else {
      FAIL() << "not an evicting policy";
    }
  });
  EXPECT_TRUE(found) << c.policy;
}

// Worked per policy; the dict order before 13 is 2 3 1 10 11 12 for the
// promoting policies (1 was hit last) and 1 2 3 10 11 12 otherwise.
INSTANTIATE_TEST_SUITE_P(
    EveryEvictingPolicy, StoreFailsAfterEvictions,
    ::testing::Values(
        // Oldest first, passing over the request's own blocks.
        Case{"lru", {2, 3, 1}}, Case{"lru_strict", {2, 3, 1}},
        Case{"fifo", {1, 2, 3}},
        // Newest first: 12, 11, 10 are passed over.
        Case{"mru", {1, 3, 2}},
        // 1's counter is spent (1 moves to the head), 2 and 3 go, the hand
        // passes 10..12, then takes 1; a lap over 10..12 ends the sweep.
        Case{"clock", {2, 3, 1}},
        // Frequency 1 by last access (2, 3; 10..12 pinned), then 1 at 2.
        Case{"lfu", {2, 3, 1}},
        // 1's bit is cleared, 2 and 3 go, the hand wraps past 10..12 to 1.
        Case{"sieve", {2, 3, 1}},
        // l1 + g1 + s > C with G1 empty: outright from L1 (2, 3), then,
        // with only pinned blocks in L1, from L2 (1); no ghosts.
        Case{"arc", {2, 3, 1}},
        // S's tail first; 1 (one hit) is below the threshold of 2.
        Case{"s3fifo", {1, 2, 3}},
        // Next accesses: 1 at request 7, 2 at 6, 3 at 5 (10..12: never,
        // but pinned).
        Case{"belady", {1, 2, 3}}),
    [](const auto& info) { return std::string(info.param.policy); });

// Every evicting policy of the registry has a case above.
TEST(StoreFailsAfterEvictions, CoversEveryEvictingPolicy) {
  for_each_policy([](auto p) {
    using P = decltype(p);
    if constexpr (P::kTraits.evicts) {
      const std::string name(P::kTraits.name);
      bool listed = false;
      for (const char* covered : {"lru", "lru_strict", "fifo", "mru", "clock",
                                  "lfu", "sieve", "arc", "s3fifo", "belady"}) {
        listed = listed || name == covered;
      }
      EXPECT_TRUE(listed) << name << " has no hand-worked failing store";
    }
  });
}

TEST(ArcStoreFailure, VictimsGoToG1AndALaterGhostHitLandsInL2) {
  // C = 2 blocks + 300. [5 6] twice: both in L2. [1] [2] [3] (100 each):
  // L1, C full. [5 6 7]: 5, 6 hit; storing 7 (512) takes REPLACE steps
  // (l1 + g1 + s <= C): L1's tail to G1, three times (1, 2, 3); then L1 is
  // empty and L2 holds only pinned blocks: the store fails. [1]: a ghost
  // hit in G1 (p = min(0 + max(0 / 300, 1), C) = 1), stored into L2. [8]
  // [9] fill L1; [4] evicts by REPLACE, l1 = 200 > p: L1's tail, 8, not 1.
  // [1] then hits; inserted into L1 instead (no ghost), 1 would have been
  // L1's tail and the victim.
  const KvTrace t = kv({{1024, {5, 6}},
                        {1024, {5, 6}},
                        {100, {1}},
                        {100, {2}},
                        {100, {3}},
                        {1536, {5, 6, 7}},
                        {100, {1}},
                        {100, {8}},
                        {100, {9}},
                        {100, {4}},
                        {100, {1}}});
  KvReplayer<ARCPolicy> r(2 * 512 + 300, 1);
  feed(r, t, 0, 6);
  EXPECT_EQ(r.last_victims(), (Keys{1, 2, 3}));
  EXPECT_EQ(r.result().n_evict, 3u);
  EXPECT_EQ(r.result().n_store_failure, 1u);
  EXPECT_EQ(r.result().n_block_hit, 4u);
  EXPECT_EQ(r.evictor().keys_of(r.dict(), ARCList::kG1), (Keys{3, 2, 1}));
  EXPECT_EQ(r.evictor().bytes(ARCList::kG1), 300);
  EXPECT_FALSE(r.dict().contains(7));
  EXPECT_EQ(r.dict().size(), 2u);
  feed(r, t, 6, 7);
  EXPECT_EQ(r.result().n_block_hit, 4u);  // [1] missed
  EXPECT_EQ(r.evictor().list_of(r.dict(), 1), ARCList::kL2);
  EXPECT_EQ(r.evictor().p(), 1.0);
  feed(r, t, 7, 10);
  EXPECT_EQ(r.last_victims(), (Keys{8}));
  EXPECT_EQ(r.evictor().list_of(r.dict(), 8), ARCList::kG1);
  feed(r, t, 10, 11);
  EXPECT_EQ(r.result().n_block_hit, 5u);  // [1] hit
  EXPECT_EQ(r.result().n_evict, 4u);
  EXPECT_EQ(r.result().n_store_failure, 1u);
  EXPECT_EQ(r.result().n_store, 9u);
}

TEST(S3FifoStoreFailure, SmallToMainMovesAndGhostsStand) {
  // C = 10 blocks + 300: |S| = 542, |M| = 4878. [1] [2] [3] (100 each) in
  // S; [1] twice more: freq 2. [20..30] (11 blocks): 20..29 fill C; storing
  // 30 (512): S's tail 1 has freq 2, moves to M (frees nothing); 2 is
  // evicted into G (100); 3 into G (100); S now holds only pinned blocks,
  // so M is walked: 1 (freq 0) is evicted, not into G; then nothing is
  // left: the store fails. [2]: a miss, and a ghost hit, so it goes to M;
  // [1]: a miss, no ghost (it left from M), so it goes to S.
  const KvTrace t =
      kv({{100, {1}},
          {100, {2}},
          {100, {3}},
          {100, {1}},
          {100, {1}},
          {11 * 512, {20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}},
          {100, {2}},
          {100, {1}}});
  KvReplayer<S3FIFOPolicy> r(10 * 512 + 300, 1);
  ASSERT_EQ(r.evictor().small_capacity(), 542);
  feed(r, t, 0, 6);
  EXPECT_EQ(r.last_victims(), (Keys{2, 3, 1}));
  EXPECT_EQ(r.result().n_evict, 3u);
  EXPECT_EQ(r.result().n_store_failure, 1u);
  EXPECT_EQ(r.result().n_block_hit, 2u);
  EXPECT_EQ(r.evictor().keys_of(r.dict(), S3FIFOQueue::kGhost), (Keys{2, 3}));
  EXPECT_EQ(r.evictor().queue_of(r.dict(), 1), S3FIFOQueue::kNone);
  EXPECT_EQ(r.evictor().main_bytes(), 0);
  EXPECT_EQ(r.evictor().small_bytes(), 10 * 512);
  EXPECT_FALSE(r.dict().contains(30));
  feed(r, t, 6, 8);
  EXPECT_EQ(r.result().n_block_hit, 2u);  // both missed
  EXPECT_EQ(r.evictor().queue_of(r.dict(), 2), S3FIFOQueue::kMain);
  EXPECT_EQ(r.evictor().queue_of(r.dict(), 1), S3FIFOQueue::kSmall);
  EXPECT_EQ(r.evictor().keys_of(r.dict(), S3FIFOQueue::kGhost), (Keys{3}));
  EXPECT_EQ(r.result().n_store, 3u + 10u + 2u);
  EXPECT_EQ(r.result().n_evict, 3u);
}

TEST(BlockNeverAdmitted, FailsWithoutEvicting) {
  // SIM-SPEC section 1: a block above C is not admitted and nothing is
  // evicted, though 1 is not pinned. C = 300; s3fifo's |S| = 300 too.
  const KvTrace t = kv({{100, {1}}, {512, {7}}});
  for_each_policy([&](auto p) {
    using P = decltype(p);
    if constexpr (P::kTraits.evicts) {
      SCOPED_TRACE(P::kTraits.name);
      PolicyParams params{std::string(P::kTraits.name)};
      if (P::kTraits.name == "s3fifo") params.set("fifo-size-ratio", "1");
      KvReplayer<P> r(300, 1, params);
      feed(r, t, 0, 2);
      EXPECT_EQ(r.result().n_store, 1u);
      EXPECT_EQ(r.result().n_store_failure, 1u);
      EXPECT_EQ(r.result().n_evict, 0u);
      EXPECT_TRUE(r.last_victims().empty());
      EXPECT_TRUE(r.dict().contains(1));
    }
  });
}

// Randomized: two caches of one policy fed the same operations, one through
// the all-or-nothing pinned put (put_blocking), one through put_best_effort.
// Until the first put the former refuses, both must choose the same victims
// in the same order and stay identical. At that put, the best-effort one
// must evict exactly the unpinned keys and fail.
template <class P>
void check_agreement(std::uint32_t seed, int* failures) {
  using E = typename P::template Evictor<SimDict>;
  constexpr std::int64_t kCap = 40;
  // s3fifo: a small queue of 20 admits every size below.
  PolicyParams params{std::string(P::kTraits.name)};
  if (P::kTraits.name == "s3fifo") params.set("fifo-size-ratio", "0.5");
  E a = make_evictor<E>(kCap / 1073741824.0, params);
  E b = make_evictor<E>(kCap / 1073741824.0, params);
  SimDict da, db;
  PutResult<std::uint64_t> ra, rb;
  std::mt19937 rng(seed);
  std::uint64_t next_key = 1;
  for (int op = 0; op < 400; ++op) {
    // Pin a random subset of the resident keys.
    KeySetPins<std::uint64_t> pins;
    std::vector<std::uint64_t> resident;
    for (auto it = da.begin(); it != da.end(); ++it) {
      resident.push_back(it.key());
      if (rng() % 3 == 0) pins.pin(it.key(), it.value().size);
    }
    // A few hits.
    for (int h = 0; h < 2 && !resident.empty(); ++h) {
      const std::uint64_t key = resident[rng() % resident.size()];
      const std::int64_t next = static_cast<std::int64_t>(rng() % 1000);
      if constexpr (P::kTraits.needs_future_knowledge) {
        a.set_next_access(next);
        b.set_next_access(next);
      }
      ASSERT_EQ(hit_if_resident(a, da, key), hit_if_resident(b, db, key));
    }
    const std::uint64_t key = rng() % 4 == 0 && next_key > 8
                                  ? next_key - 1 - rng() % 8  // maybe a ghost
                                  : next_key++;
    if (da.contains(key)) continue;
    const std::int64_t size = 1 + static_cast<std::int64_t>(rng() % 12);
    if constexpr (P::kTraits.needs_future_knowledge) {
      const std::int64_t next = static_cast<std::int64_t>(rng() % 1000);
      a.set_next_access(next);
      b.set_next_access(next);
    }
    const PutStatus sa =
        put_blocking(a, da, key, SizedObject{size}, size, ra, pins);
    const PutStatus sb =
        put_best_effort(b, db, key, size, rb, pins,
                        [&]() -> SizedObject { return SizedObject{size}; });
    if (sa == PutStatus::kIllegal && sb == PutStatus::kIllegal) {
      // The all-or-nothing put refused: the best-effort one took every
      // unpinned key that was resident.
      std::vector<std::uint64_t> unpinned;
      for (std::uint64_t k : resident) {
        if (!pins.pinned(k)) unpinned.push_back(k);
      }
      std::vector<std::uint64_t> taken = rb.evict_keys;
      std::sort(unpinned.begin(), unpinned.end());
      std::sort(taken.begin(), taken.end());
      EXPECT_TRUE(ra.evict_keys.empty()) << "op " << op;
      EXPECT_EQ(taken, unpinned) << "op " << op;
      EXPECT_EQ(db.size(), resident.size() - unpinned.size());
      ++*failures;
      return;  // the two caches differ from here on
    }
    ASSERT_EQ(sa, sb) << "op " << op;
    ASSERT_EQ(ra.evict_keys, rb.evict_keys) << "op " << op;
    ASSERT_EQ(da.size(), db.size());
    ASSERT_EQ(a.current_cache_size(), b.current_cache_size());
  }
}

TEST(BestEffortAgreesWithAllOrNothing, WhereverTheLatterSucceeds) {
  for_each_policy([](auto p) {
    using P = decltype(p);
    if constexpr (P::kTraits.evicts) {
      SCOPED_TRACE(P::kTraits.name);
      int failures = 0;
      for (std::uint32_t seed = 1; seed <= 40; ++seed) {
        check_agreement<P>(seed, &failures);
      }
      // Most runs end in a refused put, so both halves are exercised.
      EXPECT_GT(failures, 20);
    }
  });
}

// Belady in KV mode against a naive farthest-first search: every eviction
// scans the resident blocks for the largest (next access, stamp) among
// those not in the current request, the rule of belady_evictor.h (stamps
// count touches and stores). Independent of the heap and of how pinned
// entries are passed over.
class NaiveKvBelady {
 public:
  explicit NaiveKvBelady(std::int64_t cap) : cap_(cap) {}
  void request(const std::uint64_t* b, std::uint64_t n, std::uint64_t len,
               const std::int64_t* next) {
    auto future = [&](std::uint64_t i) {
      return next[i] < 0 ? std::numeric_limits<std::int64_t>::max() : next[i];
    };
    std::uint64_t k = 0;
    while (k < n && res_.contains(b[k])) ++k;
    for (std::uint64_t i = k; i-- > 0;) {  // touched in reverse
      Obj& hit = res_[b[i]];
      hit.next = future(i);
      hit.stamp = ++stamp_;
    }
    r_.n_block_hit += k;
    const absl::flat_hash_set<std::uint64_t> own(b, b + n);
    for (std::uint64_t i = k; i < n; ++i) {
      if (res_.contains(b[i])) continue;
      const std::int64_t size =
          static_cast<std::int64_t>(i + 1 < n ? 512 : len - 512 * (n - 1));
      if (size > cap_) {
        ++r_.n_store_failure;
        return;
      }
      while (used_ + size > cap_) {
        auto victim = res_.end();
        for (auto it = res_.begin(); it != res_.end(); ++it) {
          if (own.contains(it->first)) continue;
          if (victim == res_.end() ||
              std::pair(it->second.next, it->second.stamp) >
                  std::pair(victim->second.next, victim->second.stamp)) {
            victim = it;
          }
        }
        if (victim == res_.end()) {
          ++r_.n_store_failure;
          return;
        }
        used_ -= victim->second.size;
        res_.erase(victim);
        ++r_.n_evict;
      }
      res_[b[i]] = {future(i), ++stamp_, size};
      used_ += size;
      ++r_.n_store;
    }
  }
  const KvSimResult& result() const { return r_; }

 private:
  struct Obj {
    std::int64_t next = 0;
    std::uint64_t stamp = 0;
    std::int64_t size = 0;
  };
  absl::flat_hash_map<std::uint64_t, Obj> res_;
  std::int64_t cap_, used_ = 0;
  std::uint64_t stamp_ = 0;
  KvSimResult r_;
};

TEST(BeladyKv, PinnedEntriesSetAsideComeBackWhenUnpinned) {
  // 3 bytes. 1 (never used again) pinned, 2 (next at 5), 3 (next at 9).
  // Storing 4 passes over 1 (set aside while the pins last) and evicts 3;
  // storing 5 under the same pins evicts 2. Unpinning 1 moves the epoch:
  // storing 6 finds 1 again, the farthest. Entries set aside under one Pins
  // object come back for a search under another.
  using E = BeladyEvictor<SimDict>;
  E e(3 / 1073741824.0);
  SimDict d;
  PutResult<std::uint64_t> scratch;
  KeySetPins<std::uint64_t> pins;
  auto put = [&](std::uint64_t key, std::int64_t next,
                 const KeySetPins<std::uint64_t>& with) {
    e.set_next_access(next);
    return put_best_effort(e, d, key, 1, scratch, with,
                           []() -> SizedObject { return SizedObject{1}; });
  };
  ASSERT_EQ(put(1, -1, pins), PutStatus::kLegal);
  ASSERT_EQ(put(2, 5, pins), PutStatus::kLegal);
  ASSERT_EQ(put(3, 9, pins), PutStatus::kLegal);
  pins.pin(1, 1);
  EXPECT_EQ(put(4, 7, pins), PutStatus::kLegal);
  EXPECT_EQ(scratch.evict_keys, (Keys{3}));
  pins.pin(4, 1);
  EXPECT_EQ(put(5, 6, pins), PutStatus::kLegal);
  EXPECT_EQ(scratch.evict_keys, (Keys{2}));
  pins.pin(5, 1);
  // Everything is pinned: the store fails, nothing is evicted.
  EXPECT_EQ(put(6, 8, pins), PutStatus::kIllegal);
  EXPECT_TRUE(scratch.evict_keys.empty());
  pins.unpin(1, 1);
  EXPECT_EQ(put(6, 8, pins), PutStatus::kLegal);
  EXPECT_EQ(scratch.evict_keys, (Keys{1}));
  // 4 (next 7), 5 (next 6), 6 (next 8), all pinned: a failed search sets
  // all three aside.
  pins.pin(6, 1);
  EXPECT_EQ(put(7, 2, pins), PutStatus::kIllegal);
  EXPECT_TRUE(scratch.evict_keys.empty());
  const KeySetPins<std::uint64_t> none;
  EXPECT_EQ(put(7, 2, none), PutStatus::kLegal);
  EXPECT_EQ(scratch.evict_keys, (Keys{6}));  // next at 8: the farthest
  EXPECT_EQ(e.current_cache_size(), 3);
}

TEST(BeladyKv, MatchesANaiveFarthestFirstSearch) {
  const KvTrace t = read_mooncake(std::string(EVICTLAB_SOURCE_DIR) +
                                  "/../shared/traces/mooncake/"
                                  "synthetic_trace.jsonl");
  std::uint64_t failures = 0;
  for (std::uint64_t cache : {10000u, 30000u, 65536u + 300u}) {
    SCOPED_TRACE(cache);
    NaiveKvBelady naive(static_cast<std::int64_t>(cache));
    for (std::size_t q = 0; q < t.size(); ++q) {
      const std::uint64_t b = t.offsets[q];
      naive.request(t.blocks.data() + b, t.offsets[q + 1] - b,
                    t.input_length[q], t.next_access.data() + b);
    }
    const KvSimResult r = kv_replay<BeladyPolicy>(t, cache, KvSimOptions{});
    EXPECT_EQ(r.n_block_hit, naive.result().n_block_hit);
    EXPECT_EQ(r.n_store, naive.result().n_store);
    EXPECT_EQ(r.n_evict, naive.result().n_evict);
    EXPECT_EQ(r.n_store_failure, naive.result().n_store_failure);
    failures += r.n_store_failure;
  }
  EXPECT_GT(failures, 0u);
}

}  // namespace
}  // namespace evictlab::sim
