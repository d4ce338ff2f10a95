// LFUEvictor (policy `lfu`): hand-worked sequences that pin every rule of
// SIM-SPEC section 4's LFU, pins, parameters, re-puts and user removals; the
// evictor against LfuModel over random operations on every dict; and the
// replay of the shipped trace against libCacheSim's own counts.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "evictlab/caller.h"
#include "evictlab/dicts.h"
#include "evictlab/errors.h"
#include "evictlab/kv_object.h"
#include "evictlab/lfu_evictor.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/sim/replay.h"
#include "evictlab/sim/trace.h"
#include "tests/models/lfu_model.h"

namespace evictlab {
namespace {

using Keys = std::vector<std::string>;
using testing::LfuModel;
using testing::Outcome;

// MAX = 16384 bytes exactly: four 4096-byte objects.
constexpr std::int64_t kMax = 16384;
constexpr double kMaxGb = 16384.0 / 1073741824.0;
constexpr std::int64_t kObj = 4096;

KVObject obj(std::int64_t size) { return KVObj{0, size, {}}; }

// A dict and its evictor, driven as a backend does (caller.h).
template <class Dict = DefaultDict::Type<std::string, KVObject>>
struct Cache {
  using Evictor = LFUEvictor<Dict>;

  explicit Cache(double max_gb = kMaxGb) : evictor(max_gb) {}

  // The victims of a put through the caller loop (empty when ILLEGAL, which
  // `status` tells).
  Keys put(const std::string& key, std::int64_t size = kObj) {
    status = put_blocking(evictor, dict, key, obj(size), size, scratch);
    return status == PutStatus::kLegal ? scratch.evict_keys : Keys{};
  }
  // put_blocking written out with pins (it takes none).
  Keys put_pinned(const std::string& key, std::int64_t size,
                  const KeySetPins<std::string>& pins) {
    evictor.decide(dict, size, &key, scratch, pins);
    status = scratch.status;
    if (status == PutStatus::kIllegal) return {};
    if (dict.contains(key)) evictor.remove(dict, key);
    for (const auto& victim : scratch.evict_keys) evictor.remove(dict, victim);
    evictor.store(dict, key, obj(size));
    return scratch.evict_keys;
  }
  void hit(const std::string& key) { evictor.update_on_get(key, dict); }
  void fill(int n) {
    for (int i = 0; i < n; ++i) ASSERT_EQ(put(std::to_string(i)), Keys{});
  }
  Keys keys() { return dict.keys(); }
  std::uint64_t freq(const std::string& key) const {
    return evictor.frequency(dict, key);
  }

  Dict dict;
  Evictor evictor;
  PutResult<std::string> scratch;
  PutStatus status = PutStatus::kLegal;
};

TEST(LfuRulesTest, FrequencyStartsAtOneAndRisesByOnePerHit) {
  Cache<> c;
  c.fill(2);
  EXPECT_EQ(c.freq("0"), 1u);
  c.hit("0");
  c.hit("0");
  EXPECT_EQ(c.freq("0"), 3u);
  EXPECT_EQ(c.freq("1"), 1u);
  c.hit("zz");  // absent: nothing, no error
  EXPECT_EQ(c.freq("zz"), 0u);
  EXPECT_EQ(c.keys(), (Keys{"0", "1"}));  // the dict is never reordered
}

TEST(LfuRulesTest, TheVictimHasTheMinimumFrequency) {
  Cache<> c;
  c.fill(4);
  c.hit("0");
  c.hit("1");
  c.hit("1");
  c.hit("3");
  // Frequencies 0:2 1:3 2:1 3:2.
  EXPECT_EQ(c.put("x"), Keys{"2"});
  EXPECT_EQ(c.keys(), (Keys{"0", "1", "3", "x"}));
  // x (frequency 1) is now the least frequent, however new.
  EXPECT_EQ(c.put("y"), Keys{"x"});
  c.hit("y");
  c.hit("y");
  // 0 and 3 share frequency 2; 0's last access (its hit) is the older.
  EXPECT_EQ(c.put("z"), Keys{"0"});
  EXPECT_EQ(c.keys(), (Keys{"1", "3", "y", "z"}));
}

TEST(LfuRulesTest, AmongEqualFrequenciesTheOldestLastAccessGoes) {
  Cache<> c;
  c.fill(2);                      // 0 at t1, 1 at t2
  c.hit("1");                     // 1: frequency 2, t3
  EXPECT_EQ(c.put("2"), Keys{});  // t4
  EXPECT_EQ(c.put("3"), Keys{});  // t5
  c.hit("0");                     // 0: frequency 2, t6
  // Frequency 1: 2 (t4), 3 (t5); frequency 2: 1 (t3), 0 (t6). 0 was
  // inserted first but accessed last: it stays.
  EXPECT_EQ(c.put("big", 12288), (Keys{"2", "3", "1"}));
  EXPECT_EQ(c.keys(), (Keys{"0", "big"}));
}

TEST(LfuRulesTest, ManyFrequenciesEvictInFrequencyThenRecencyOrder) {
  Cache<> c;
  c.fill(4);
  for (int i = 0; i < 5; ++i) c.hit("0");
  for (int i = 0; i < 3; ++i) {  // 2 then 1: 1's last access is the newer
    c.hit("2");
    c.hit("1");
  }
  EXPECT_EQ(c.freq("0"), 6u);
  EXPECT_EQ(c.freq("1"), 4u);
  EXPECT_EQ(c.freq("2"), 4u);
  EXPECT_EQ(c.freq("3"), 1u);
  EXPECT_EQ(c.put("all", kMax), (Keys{"3", "2", "1", "0"}));
  EXPECT_EQ(c.keys(), Keys{"all"});
}

TEST(LfuRulesTest, FrequenciesAreForgottenOnEvictionAndOnRemoval) {
  Cache<> c;
  c.fill(4);
  for (int i = 0; i < 3; ++i) c.hit("0");
  c.hit("1");
  c.hit("2");
  c.hit("3");
  EXPECT_EQ(c.put("huge", kMax), (Keys{"1", "2", "3", "0"}));
  EXPECT_EQ(c.freq("0"), 0u);
  EXPECT_EQ(c.put("0"), Keys{"huge"});
  EXPECT_EQ(c.freq("0"), 1u);  // back at 1, not 5
  c.hit("0");
  EXPECT_EQ(c.freq("0"), 2u);
  c.evictor.remove(c.dict, "0");  // a user removal
  EXPECT_EQ(c.freq("0"), 0u);
  EXPECT_THROW(c.evictor.remove(c.dict, "0"), KeyNotFoundError);
  EXPECT_EQ(c.put("0"), Keys{});
  EXPECT_EQ(c.freq("0"), 1u);
  EXPECT_EQ(c.evictor.current_cache_size(), kObj);
}

TEST(LfuRulesTest, AReputKeyIsNeverItsOwnVictimAndStartsAgainAtOne) {
  Cache<> c;
  c.fill(4);
  c.hit("1");
  c.hit("2");
  c.hit("3");
  // Re-put 0 (the least frequent) with 8192 bytes: its 4096 old bytes count
  // as freed; 4096 more come from the least frequent other object: 1 (its
  // hit is the oldest of the frequency-2 ones).
  EXPECT_EQ(c.put("0", 8192), Keys{"1"});
  EXPECT_EQ(c.keys(), (Keys{"2", "3", "0"}));
  EXPECT_EQ(c.freq("0"), 1u);
  EXPECT_EQ(c.evictor.current_cache_size(), kMax);
  EXPECT_EQ(c.put("x"), Keys{"0"});  // frequency 1 against 2 and 2
  // The same size again frees exactly its old bytes, and restarts at 1.
  c.hit("2");
  EXPECT_EQ(c.freq("2"), 3u);
  EXPECT_EQ(c.put("2"), Keys{});
  EXPECT_EQ(c.freq("2"), 1u);
  EXPECT_EQ(c.keys(), (Keys{"3", "x", "2"}));
}

TEST(LfuRulesTest, IllegalPutsChangeNothing) {
  Cache<> c;
  c.fill(2);
  c.hit("1");
  EXPECT_EQ(c.put("huge", kMax + 1), Keys{});
  EXPECT_EQ(c.status, PutStatus::kIllegal);
  EXPECT_EQ(c.put("neg", -1), Keys{});
  EXPECT_EQ(c.status, PutStatus::kIllegal);
  EXPECT_EQ(c.keys(), (Keys{"0", "1"}));
  EXPECT_EQ(c.freq("1"), 2u);
  EXPECT_EQ(c.put("all", kMax), (Keys{"0", "1"}));
  EXPECT_THROW(c.evictor.store(c.dict, "bad", obj(-5)), std::invalid_argument);
  EXPECT_EQ(c.keys(), Keys{"all"});
  EXPECT_EQ(c.evictor.current_cache_size(), kMax);
}

TEST(LfuPinsTest, APinnedObjectIsPassedOverWithItsStateKept) {
  Cache<> c;
  KeySetPins<std::string> pins;
  c.fill(4);
  c.hit("1");
  c.hit("2");
  c.hit("3");
  pins.pin("0", kObj);
  // 0 is the least frequent but pinned: the next in order, 1, goes.
  EXPECT_EQ(c.put_pinned("x", kObj, pins), Keys{"1"});
  EXPECT_EQ(c.freq("0"), 1u);
  pins.unpin("0", kObj);
  // Unpinned, 0 is still frequency 1 with the oldest access (before x's).
  EXPECT_EQ(c.put("y"), Keys{"0"});
  EXPECT_EQ(c.keys(), (Keys{"2", "3", "x", "y"}));
  // The pinned re-put key is never its own victim; its old bytes count.
  pins.pin("x", kObj);
  EXPECT_EQ(c.put_pinned("x", kMax, pins), (Keys{"y", "2", "3"}));
  EXPECT_EQ(c.keys(), Keys{"x"});
}

TEST(LfuPinsTest, AnUnsatisfiablePutIsIllegalAndChangesNothing) {
  Cache<> c;
  KeySetPins<std::string> pins;
  c.fill(4);
  c.hit("3");
  pins.pin("0", kObj);
  pins.pin("1", kObj);
  pins.pin("2", kObj);
  EXPECT_EQ(c.put_pinned("big", 8192, pins), Keys{});  // 4096 evictable
  EXPECT_EQ(c.status, PutStatus::kIllegal);
  EXPECT_EQ(c.keys(), (Keys{"0", "1", "2", "3"}));
  EXPECT_EQ(c.freq("3"), 2u);
  EXPECT_EQ(c.evictor.current_cache_size(), kMax);
  EXPECT_EQ(c.put_pinned("ok", kObj, pins), Keys{"3"});
}

TEST(LfuPinsTest, CandidatesAreFewerWhenFewerObjectsAreEvictable) {
  Cache<> c;
  KeySetPins<std::string> pins;
  c.fill(4);
  c.hit("0");
  pins.pin("1", kObj);
  pins.pin("3", kObj);
  std::vector<std::string> out;
  c.evictor.candidates(c.dict, 4, pins, out);
  EXPECT_EQ(out, (Keys{"2", "0"}));  // frequency 1 first, then 2
  for (const auto& key : out) c.evictor.remove(c.dict, key);
  c.evictor.candidates(c.dict, 1, pins, out);
  EXPECT_EQ(out, Keys{});
  c.evictor.candidates(c.dict, 5, NoPins{}, out);
  EXPECT_EQ(out, (Keys{"1", "3"}));
}

TEST(LfuParamsTest, TakesNoParameters) {
  using Evictor = LFUEvictor<DefaultDict::Type<std::string, KVObject>>;
  EXPECT_NO_THROW(Evictor(1.0, PolicyParams("lfu")));
  PolicyParams params("lfu");
  params.set("max-freq", "7");
  try {
    Evictor e(1.0, params);
    FAIL() << "accepted an unknown parameter";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "lfu.max-freq");
  }
  try {
    Evictor e(-1.0);
    FAIL() << "accepted a negative limit";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "max_cache_size_gb");
  }
}

TEST(LfuParamsTest, TheEvictorMovesWithItsState) {
  Cache<> c;
  c.fill(4);
  c.hit("0");
  auto moved = std::move(c.evictor);
  PutResult<std::string> r;
  moved.decide(c.dict, kObj, nullptr, r);
  EXPECT_EQ(r.evict_keys, Keys{"1"});
  EXPECT_EQ(moved.frequency(c.dict, "0"), 2u);
}

// The evictor against LfuModel after every operation, over every dict.
template <class DictSel>
class LfuModelTest : public ::testing::Test {};
using Dicts = ::testing::Types<FlatDict, AbslDict, NodeDict, NaiveDict>;
TYPED_TEST_SUITE(LfuModelTest, Dicts);

// `ops` random puts, hits and removals over `n_keys` keys in a cache of
// `max_bytes`, checked against LfuModel after every operation.
template <class Dict>
void match_the_model(std::uint32_t seed, int n_keys, std::int64_t max_bytes,
                     int ops) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  Cache<Dict> c(static_cast<double>(max_bytes) / 1073741824.0);
  LfuModel model(LFUPolicy::kTraits, max_bytes);
  std::mt19937 rng(seed);
  auto pick = [&](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };
  const std::int64_t sizes[] = {512,  1024, 2048,          4096,
                                6144, 8192, max_bytes + 1, -512};
  for (int op = 0; op < ops; ++op) {
    const std::string key = "k" + std::to_string(pick(n_keys));
    const int what = pick(10);
    Outcome actual, expected;
    if (what < 4) {
      const std::int64_t size = sizes[pick(op % 50 == 0 ? 8 : 7)];
      actual.victims = c.put(key, size);
      actual.status = c.status;
      expected = model.put(key, size);
    } else if (what < 9) {
      c.hit(key);
      expected = model.hit(key);
    } else {
      try {
        c.evictor.remove(c.dict, key);
      } catch (const KeyNotFoundError&) {
        actual.error = "KeyError";
      }
      expected = model.pop(key);
    }
    ASSERT_EQ(actual, expected) << "op " << op << " " << key;
    ASSERT_EQ(c.keys(), model.keys()) << "op " << op;
    ASSERT_EQ(static_cast<double>(c.evictor.current_cache_size()),
              model.current())
        << "op " << op;
    ASSERT_EQ(c.freq(key), model.frequency(key)) << "op " << op;
  }
}

TYPED_TEST(LfuModelTest, RandomOperationsMatchTheModel) {
  using Dict = typename TypeParam::template Type<std::string, KVObject>;
  for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
    match_the_model<Dict>(seed, 14, kMax, 4000);
  }
}

// Hundreds of objects: the dict's slab grows several times (16 entries
// first, then doubling) and frees and reuses entry numbers, which the
// evictor's state must follow (over the flat dicts it is indexed by them).
TYPED_TEST(LfuModelTest, ManyKeysGrowAndReuseEntriesAsTheModelSays) {
  using Dict = typename TypeParam::template Type<std::string, KVObject>;
  for (std::uint32_t seed : {5u, 6u}) {
    match_the_model<Dict>(seed, 400, 128 * kObj, 6000);
  }
}

// The victims of a decision are popped without a lookup of their own when
// the caller removes them in order; removing them in another order, or
// storing over one before its removal, takes the general path.
TYPED_TEST(LfuModelTest, VictimsRemovedOutOfOrderOrStoredOver) {
  using Dict = typename TypeParam::template Type<std::string, KVObject>;
  Cache<Dict> c;
  c.fill(4);
  c.hit("3");
  PutResult<std::string> r;
  c.evictor.decide(c.dict, 8192, nullptr, r);
  ASSERT_EQ(r.status, PutStatus::kLegal);
  EXPECT_EQ(r.evict_keys, (Keys{"0", "1"}));
  EXPECT_EQ(c.freq("0"), 0u);  // chosen: detached, though still resident
  c.evictor.remove(c.dict, "1");
  c.evictor.remove(c.dict, "0");
  EXPECT_EQ(c.keys(), (Keys{"2", "3"}));
  EXPECT_EQ(c.freq("2"), 1u);
  EXPECT_EQ(c.freq("3"), 2u);
  c.evictor.store(c.dict, "x", obj(8192));
  c.evictor.decide(c.dict, kObj, nullptr, r);
  EXPECT_EQ(r.evict_keys, Keys{"2"});
  // Stored over before its removal: a new object (frequency 1, newest),
  // so a later removal must take it out of the lists.
  c.evictor.store(c.dict, "2", obj(kObj));
  EXPECT_EQ(c.freq("2"), 1u);
  EXPECT_EQ(c.evictor.current_cache_size(), kMax);
  c.evictor.decide(c.dict, kObj, nullptr, r);
  EXPECT_EQ(r.evict_keys, Keys{"x"});  // x's access is older than 2's
  c.evictor.remove(c.dict, "x");
  c.evictor.store(c.dict, "y", obj(8192));
  c.evictor.remove(c.dict, "2");  // a user removal
  EXPECT_EQ(c.freq("2"), 0u);
  EXPECT_EQ(c.keys(), (Keys{"3", "y"}));
  c.evictor.decide(c.dict, kMax, nullptr, r);
  EXPECT_EQ(r.evict_keys, (Keys{"y", "3"}));  // frequency 1, then 2
  EXPECT_EQ(c.evictor.current_cache_size(), 12288);
}

// Random pins: a pinned key is never a victim, a put is ILLEGAL exactly when
// the unpinned bytes cannot make room, and the accounting stays exact.
TEST(LfuPinsTest, RandomPinsAreNeverVictims) {
  Cache<> c;
  KeySetPins<std::string> pins;
  std::mt19937 rng(7);
  auto pick = [&](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };
  int illegal = 0;
  for (int op = 0; op < 5000; ++op) {
    const std::string key = "k" + std::to_string(pick(12));
    const int what = pick(10);
    if (what < 4) {
      const std::int64_t size = std::int64_t{512} << pick(6);
      std::int64_t stored = 0;
      std::int64_t evictable = 0;
      for (auto item : c.dict) {
        stored += get_size(item.value);
        if (!pins.pinned(item.key) && item.key != key) {
          evictable += get_size(item.value);
        }
      }
      const std::int64_t old =
          c.dict.contains(key) ? get_size(*c.dict.find(key)) : 0;
      const bool feasible = stored - old + size - kMax <= evictable;
      const bool was_pinned = pins.pinned(key);
      const Keys victims = c.put_pinned(key, size, pins);
      ASSERT_EQ(c.status == PutStatus::kLegal, feasible) << "op " << op;
      if (feasible && was_pinned) {  // keep pinned_bytes() true
        pins.unpin(key, old);
        pins.pin(key, size);
      }
      illegal += !feasible;
      for (const auto& victim : victims) ASSERT_FALSE(pins.pinned(victim));
    } else if (what < 7) {
      c.hit(key);
    } else if (what < 9) {
      if (const KVObject* v = c.dict.find(key)) {
        if (pins.pinned(key)) {
          pins.unpin(key, get_size(*v));
        } else {
          pins.pin(key, get_size(*v));
        }
      }
    } else if (c.dict.contains(key) && !pins.pinned(key)) {
      c.evictor.remove(c.dict, key);
    }
    std::int64_t sum = 0;
    for (auto item : c.dict) sum += get_size(item.value);
    ASSERT_EQ(c.evictor.current_cache_size(), sum);
  }
  EXPECT_GT(illegal, 0);
}

// The simulator's request loop (SIM-SPEC section 1) over LFU.
sim::Trace trace_of(
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& v) {
  sim::Trace t;
  for (const auto& [id, size] : v) t.requests.push_back({id, size, -1});
  return t;
}
std::string outcomes(const sim::Trace& t, std::uint64_t capacity) {
  std::string out;
  std::uint64_t misses = 0;
  for (std::size_t n = 1; n <= t.requests.size(); ++n) {
    sim::Trace prefix;
    prefix.requests.assign(t.requests.begin(), t.requests.begin() + n);
    const std::uint64_t m = sim::replay<LFUPolicy>(prefix, capacity, {}).n_miss;
    out += m > misses ? 'm' : 'h';
    misses = m;
  }
  return out;
}

TEST(LfuReplayTest, HandWorkedRequests) {
  // Capacity 3 unit objects. 1 2 3; hits 1 1 2 (1: 3, 2: 2, 3: 1). 4 evicts
  // 3; 3 evicts 4 (both frequency 1, the least); 5 evicts 3; 1 still hits
  // (LRU would have evicted it at 3's return).
  EXPECT_EQ(outcomes(trace_of({{1, 1},
                               {2, 1},
                               {3, 1},
                               {1, 1},
                               {1, 1},
                               {2, 1},
                               {4, 1},
                               {3, 1},
                               {5, 1},
                               {1, 1}}),
                     3),
            "mmmhhhmmmh");
  // Bytes: capacity 10. 1 (4) 2 (4), hit 1, 3 (2); hits 2 2 (1: 2, 2: 3,
  // 3: 1). 4 (6 bytes) evicts 3 (2 bytes) then 1 (4); 1 (4 bytes) evicts 4
  // (frequency 1); 2 hits.
  EXPECT_EQ(outcomes(trace_of({{1, 4},
                               {2, 4},
                               {1, 4},
                               {3, 2},
                               {2, 4},
                               {2, 4},
                               {4, 6},
                               {1, 4},
                               {2, 4}}),
                     10),
            "mmhmhhmmh");
}

// libCacheSim's cachesim at commit aa0fc40914b2b786f4b9f4dafb099f8f332b216a
// (/tmp/lcs/counts/cachesim_counts: cachesim with a patch that prints the
// exact counters), run by this helper from /tmp/lcs/run as
//   cachesim_counts cloudPhysicsIO.oracleGeneral.bin oracleGeneral lfu \
//     134217728,268435456,...,1073741824 --num-thread 1
//   cachesim_counts cloudPhysicsIO.oracleGeneral.bin oracleGeneral lfu \
//     100,1000,5000 --ignore-obj-size 1 --num-thread 1
// (the same numbers as /tmp/lcs/expected_cloudphysics.json). Every request
// is 113872 req and 4368040448 bytes.
struct Expected {
  std::uint64_t cache_size;
  bool ignore_obj_size;
  std::uint64_t n_miss;
  std::uint64_t n_miss_byte;
};
constexpr Expected kLibCacheSim[] = {
    {134217728, false, 91699, 4158632960},
    {268435456, false, 86720, 3917211648},
    {402653184, false, 78578, 3536227840},
    {536870912, false, 76707, 3455379968},
    {671088640, false, 69945, 3035580416},
    {805306368, false, 66221, 2801699328},
    {939524096, false, 64445, 2699456000},
    {1073741824, false, 64376, 2696345600},
    {100, true, 100973, 100973},
    {1000, true, 95562, 95562},
    {5000, true, 89798, 89798},
};

TEST(LfuReplayTest, CloudPhysicsMatchesLibCacheSim) {
  const sim::Trace trace = sim::read_trace(
      EVICTLAB_SOURCE_DIR
      "/../shared/traces/libcachesim/cloudPhysicsIO.oracleGeneral.bin",
      sim::TraceFormat::kOracleGeneral);
  for (const Expected& e : kLibCacheSim) {
    SCOPED_TRACE(::testing::Message()
                 << e.cache_size << " ignore_obj_size " << e.ignore_obj_size);
    sim::SimOptions options;
    options.ignore_obj_size = e.ignore_obj_size;
    const sim::SimResult r =
        sim::replay<LFUPolicy>(trace, e.cache_size, options);
    EXPECT_EQ(r.n_req, 113872u);
    EXPECT_EQ(r.n_miss, e.n_miss);
    EXPECT_EQ(r.n_miss_byte, e.n_miss_byte);
  }
}

}  // namespace
}  // namespace evictlab
