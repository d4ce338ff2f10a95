// S3FIFOEvictor (policy `s3fifo`) against SIM-SPEC section 4, rule by rule
// on hand-worked sequences, against its executable spec (S3FIFOModel) on
// random operations, and against libCacheSim's cachesim on the shipped
// cloudPhysics trace.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "evictlab/caller.h"
#include "evictlab/dicts.h"
#include "evictlab/errors.h"
#include "evictlab/kv_object.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/s3fifo_evictor.h"
#include "evictlab/sim/replay.h"
#include "evictlab/sim/trace.h"
#include "tests/models/s3fifo_model.h"

namespace evictlab {
namespace {

using Keys = std::vector<std::string>;
using Dict = DefaultDict::Type<std::string, KVObject>;
using Evictor = S3FIFOEvictor<Dict>;
using testing::Outcome;
using testing::S3FIFOModel;

// A limit of `bytes` (exact: bytes / 2^30 is a double the evictor turns back
// into the same integer).
double gb(std::int64_t bytes) {
  return static_cast<double>(bytes) / 1073741824.0;
}

PolicyParams params(std::vector<std::pair<std::string, std::string>> kv) {
  PolicyParams p("s3fifo");
  for (auto& [k, v] : kv) p.set(k, v);
  return p;
}

// One cache: a dict and its evictor, driven through the caller loop (the
// hand-worked sequences below only put keys that are not resident, and hit
// keys that are, as the simulator does, unless a test says otherwise).
class Cache {
 public:
  explicit Cache(std::int64_t bytes, const PolicyParams& p = PolicyParams())
      : evictor(gb(bytes), p) {}

  // put_blocking; returns the victims (status in `last`).
  Keys put(const std::string& key, std::int64_t size) {
    put_blocking(evictor, dict, key, KVObject(KVObj{0, size, {}}), size, last);
    return last.evict_keys;
  }
  // With pins.
  Keys put(const std::string& key, std::int64_t size,
           const KeySetPins<std::string>& pins) {
    evictor.decide(dict, size, &key, last, pins);
    if (last.status == PutStatus::kIllegal) return {};
    if (dict.contains(key)) evictor.remove(dict, key);
    for (const auto& victim : last.evict_keys) evictor.remove(dict, victim);
    evictor.store(dict, key, KVObject(KVObj{0, size, {}}));
    return last.evict_keys;
  }
  void hit(const std::string& key, int times = 1) {
    for (int i = 0; i < times; ++i) evictor.update_on_get(key, dict);
  }
  Keys small() const { return evictor.keys_of(dict, S3FIFOQueue::kSmall); }
  Keys main() const { return evictor.keys_of(dict, S3FIFOQueue::kMain); }
  Keys ghost() const { return evictor.keys_of(dict, S3FIFOQueue::kGhost); }
  Keys keys() const { return dict.keys(); }
  std::int64_t current() const { return evictor.current_cache_size(); }
  std::int64_t freq(const std::string& key) const {
    return evictor.freq(dict, key);
  }
  // Pins `key` with its stored size.
  void pin(KeySetPins<std::string>& pins, const std::string& key) {
    pins.pin(key, get_size(*dict.find(key)));
  }

  Dict dict;
  Evictor evictor;
  PutResult<std::string> last;
};

// Fills with keys `prefix`0 .. `prefix`(n-1) of `size` bytes each.
void fill(Cache& c, int n, std::int64_t size, const std::string& prefix = "k") {
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(c.put(prefix + std::to_string(i), size), Keys{});
    ASSERT_EQ(c.last.status, PutStatus::kLegal);
  }
}

// The configuration most hand-worked tests use: C = 100, fifo-size-ratio 0.5
// (|S| = 50, M capacity 50), ghost 0.9 (90), objects of 20 bytes (5 fill C).
Cache half_cache() { return Cache(100, params({{"fifo-size-ratio", "0.5"}})); }

// --- parameters and capacities ---

TEST(S3FIFOParamsTest, DefaultsAndCapacitiesAreTheSpecsFloors) {
  Cache c(1000);
  EXPECT_EQ(c.evictor.max_cache_size(), 1000);
  EXPECT_EQ(c.evictor.small_capacity(), 100);  // floor(1000 * 0.10)
  EXPECT_EQ(c.evictor.main_capacity(), 900);   // 1000 - 100
  EXPECT_EQ(c.evictor.ghost_capacity(), 900);  // floor(1000 * 0.90)
  EXPECT_EQ(c.evictor.move_to_main_threshold(), 2u);
  // 128 MiB: 13421772.8 -> 13421772; 120795955.2 -> 120795955.
  Cache big(134217728);
  EXPECT_EQ(big.evictor.small_capacity(), 13421772);
  EXPECT_EQ(big.evictor.main_capacity(), 134217728 - 13421772);
  EXPECT_EQ(big.evictor.ghost_capacity(), 120795955);
}

TEST(S3FIFOParamsTest, ParametersAreReadByTheirSpecNames) {
  Cache c(1000, params({{"fifo-size-ratio", "0.25"},
                        {"ghost-size-ratio", "0.5"},
                        {"move-to-main-threshold", "3"}}));
  EXPECT_EQ(c.evictor.small_capacity(), 250);
  EXPECT_EQ(c.evictor.main_capacity(), 750);
  EXPECT_EQ(c.evictor.ghost_capacity(), 500);
  EXPECT_EQ(c.evictor.move_to_main_threshold(), 3u);
}

std::string config_error_field(const PolicyParams& p) {
  try {
    Evictor e(gb(1000), p);
  } catch (const ConfigError& error) {
    return error.field();
  }
  return "(no error)";
}

TEST(S3FIFOParamsTest, ABadValueNamesTheField) {
  EXPECT_EQ(config_error_field(params({{"fifo-size-ratio", "1.5"}})),
            "s3fifo.fifo-size-ratio");
  EXPECT_EQ(config_error_field(params({{"fifo-size-ratio", "-0.1"}})),
            "s3fifo.fifo-size-ratio");
  EXPECT_EQ(config_error_field(params({{"fifo-size-ratio", "abc"}})),
            "s3fifo.fifo-size-ratio");
  EXPECT_EQ(config_error_field(params({{"ghost-size-ratio", "-1"}})),
            "s3fifo.ghost-size-ratio");
  EXPECT_EQ(config_error_field(params({{"move-to-main-threshold", "1.5"}})),
            "s3fifo.move-to-main-threshold");
  EXPECT_EQ(config_error_field(params({{"move-to-main-threshold", "-1"}})),
            "s3fifo.move-to-main-threshold");
  // A typo is not silently ignored.
  EXPECT_EQ(config_error_field(params({{"fifo-ratio", "0.2"}})),
            "s3fifo.fifo-ratio");
  EXPECT_THROW(Evictor(-1.0), ConfigError);
}

// --- admission and the declined insertion ---

TEST(S3FIFORulesTest, AdmissionIsSizeAtMostTheSmallCapacity) {
  Cache c(1000);  // |S| = 100
  // 101 > |S|: ILLEGAL, nothing evicted, nothing inserted.
  EXPECT_EQ(c.put("a", 101), Keys{});
  EXPECT_EQ(c.last.status, PutStatus::kIllegal);
  EXPECT_EQ(c.keys(), Keys{});
  // 100 == |S|: admissible (LEGAL) but the insert is declined (size >= |S|
  // without a ghost hit): the dict does not get the key.
  EXPECT_EQ(c.put("b", 100), Keys{});
  EXPECT_EQ(c.last.status, PutStatus::kLegal);
  EXPECT_EQ(c.keys(), Keys{});
  EXPECT_EQ(c.current(), 0);
  EXPECT_EQ(c.evictor.queue_of(c.dict, "b"), S3FIFOQueue::kNone);
  // 99 < |S|: into S's head with freq 0.
  EXPECT_EQ(c.put("c", 99), Keys{});
  EXPECT_EQ(c.keys(), Keys{"c"});
  EXPECT_EQ(c.small(), Keys{"c"});
  EXPECT_EQ(c.freq("c"), 0);
  EXPECT_EQ(c.current(), 99);
}

TEST(S3FIFORulesTest, ADeclinedInsertionKeepsItsEvictions) {
  Cache c(1000);
  fill(c, 11, 90);  // k0..k10 in S, 990 bytes (S may exceed |S|)
  EXPECT_EQ(c.main(), Keys{});
  // "big" (100): 990 + 100 > 1000. M (0) is not over 900 and S is not empty:
  // from S, whose tail k0 (freq 0) is evicted into G. 900 + 100 fits. Then
  // the insert is declined: k0 stays evicted, big is not stored.
  EXPECT_EQ(c.put("big", 100), Keys{"k0"});
  EXPECT_EQ(c.last.status, PutStatus::kLegal);
  EXPECT_EQ(c.keys(), (Keys{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8",
                            "k9", "k10"}));
  EXPECT_EQ(c.current(), 900);
  EXPECT_EQ(c.ghost(), Keys{"k0"});
  // k0 again, now 100 bytes: the lookup finds it in G (removed, ghost hit);
  // 100 <= |S| is admissible; 900 + 100 fits; after a ghost hit the insert
  // goes to M's head with freq 0 even though 100 >= |S|.
  EXPECT_EQ(c.put("k0", 100), Keys{});
  EXPECT_EQ(c.main(), Keys{"k0"});
  EXPECT_EQ(c.freq("k0"), 0);
  EXPECT_EQ(c.ghost(), Keys{});
  EXPECT_EQ(c.current(), 1000);
  EXPECT_EQ(c.keys().back(), "k0");
}

// --- hits, S's tail, promotion ---

TEST(S3FIFORulesTest, HitsCountAndNothingMoves) {
  Cache c = half_cache();
  fill(c, 3, 20);
  c.hit("k1", 4);
  EXPECT_EQ(c.freq("k1"), 4);  // unbounded while resident
  EXPECT_EQ(c.freq("k0"), 0);
  EXPECT_EQ(c.small(), (Keys{"k0", "k1", "k2"}));
  EXPECT_EQ(c.keys(), (Keys{"k0", "k1", "k2"}));
  // A key that is not resident: nothing, no throw.
  c.hit("zz");
  EXPECT_EQ(c.evictor.queue_of(c.dict, "zz"), S3FIFOQueue::kNone);
}

TEST(S3FIFORulesTest, SmallTailAtTheThresholdMovesToMainAndFreesNothing) {
  Cache c(1000);
  fill(c, 11, 90);  // k0..k10, 990 bytes, all in S
  c.hit("k0", 2);   // freq 2 == threshold
  c.hit("k1", 1);   // freq 1 < threshold
  // x (90): excess 80. From S: k0 (freq 2) moves to M's head with freq 0
  // (frees nothing); k1 (freq 1) is evicted into G (frees 90).
  EXPECT_EQ(c.put("x", 90), Keys{"k1"});
  EXPECT_EQ(c.main(), Keys{"k0"});
  EXPECT_EQ(c.freq("k0"), 0);
  EXPECT_EQ(c.ghost(), Keys{"k1"});
  EXPECT_EQ(c.small(),
            (Keys{"k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "x"}));
  EXPECT_EQ(c.current(), 990);
  // The dict keeps insertion order: k0 was not moved there.
  EXPECT_EQ(c.keys().front(), "k0");
}

TEST(S3FIFORulesTest, TheThresholdIsAParameter) {
  // Threshold 1: a single hit is enough to move to M.
  Cache c(100, params({{"fifo-size-ratio", "0.5"},
                       {"move-to-main-threshold", "1"}}));
  fill(c, 5, 20);
  c.hit("k0");
  EXPECT_EQ(c.put("x", 20), Keys{"k1"});
  EXPECT_EQ(c.main(), Keys{"k0"});
}

// --- M: the choice of queue and the reinsertion rule ---

TEST(S3FIFORulesTest, MainOverItsCapacityIsEvictedFromWithClockReinsertion) {
  Cache c = half_cache();  // |S| 50, M capacity 50, G 90
  fill(c, 5, 20);          // S: k0 k1 k2 k3 k4 (tail first), 100 bytes
  c.hit("k0", 2);
  c.hit("k1", 2);
  c.hit("k2", 2);
  // x: from S (M is 0 <= 50): k0, k1, k2 move to M (freq 0), k3 is evicted.
  EXPECT_EQ(c.put("x", 20), Keys{"k3"});
  EXPECT_EQ(c.main(), (Keys{"k0", "k1", "k2"}));  // 60 > 50
  EXPECT_EQ(c.small(), (Keys{"k4", "x"}));
  EXPECT_EQ(c.ghost(), Keys{"k3"});
  c.hit("k0", 5);  // freq 5
  c.hit("k1", 1);  // freq 1
  // y: M (60) > 50, so from M although S is not empty: k0 (freq 5) moves to
  // M's head with min(5, 3) - 1 = 2; k1 (freq 1) to the head with 0; k2
  // (freq 0) is evicted and does NOT go into G.
  EXPECT_EQ(c.put("y", 20), Keys{"k2"});
  EXPECT_EQ(c.main(), (Keys{"k0", "k1"}));
  EXPECT_EQ(c.freq("k0"), 2);
  EXPECT_EQ(c.freq("k1"), 0);
  EXPECT_EQ(c.ghost(), Keys{"k3"});
  EXPECT_EQ(c.small(), (Keys{"k4", "x", "y"}));
  // z: M (40) <= 50 and S is not empty: from S, k4 into G.
  EXPECT_EQ(c.put("z", 20), Keys{"k4"});
  EXPECT_EQ(c.ghost(), (Keys{"k3", "k4"}));
}

TEST(S3FIFORulesTest, MainReinsertionDecaysFreqOnePerPass) {
  // C 100, |S| 50, M capacity 50, 30-byte objects: three fit, and two in M
  // (60) put M over its capacity. Every put below needs one 30-byte victim.
  Cache c = half_cache();
  fill(c, 3, 30, "");  // S: 0 1 2
  c.hit("0", 2);
  c.hit("1", 2);
  // From S: 0 and 1 move to M (freq 0), 2 is evicted into G.
  EXPECT_EQ(c.put("d", 30), Keys{"2"});
  EXPECT_EQ(c.main(), (Keys{"0", "1"}));
  c.hit("0", 3);
  // Pass 1: M (60) > 50: 0 (freq 3) to the head with 2; 1 (0) evicted.
  EXPECT_EQ(c.put("e", 30), Keys{"1"});
  EXPECT_EQ(c.main(), Keys{"0"});
  EXPECT_EQ(c.freq("0"), 2);
  // 2 comes back from G into M (M 30 <= 50, so S gives d first).
  EXPECT_EQ(c.put("2", 30), Keys{"d"});
  EXPECT_EQ(c.main(), (Keys{"0", "2"}));
  // Pass 2: 0 (2) to the head with 1; 2 (0) evicted, not into G.
  EXPECT_EQ(c.put("g", 30), Keys{"2"});
  EXPECT_EQ(c.freq("0"), 1);
  EXPECT_EQ(c.ghost(), Keys{"d"});
  // d from G into M (S gives e).
  EXPECT_EQ(c.put("d", 30), Keys{"e"});
  EXPECT_EQ(c.main(), (Keys{"0", "d"}));
  // Pass 3: 0 (1) to the head with 0; d evicted.
  EXPECT_EQ(c.put("h", 30), Keys{"d"});
  EXPECT_EQ(c.freq("0"), 0);
  // e from G into M (S gives g).
  EXPECT_EQ(c.put("e", 30), Keys{"g"});
  EXPECT_EQ(c.main(), (Keys{"0", "e"}));
  // Pass 4: 0 has no freq left and is the victim.
  EXPECT_EQ(c.put("i", 30), Keys{"0"});
  EXPECT_EQ(c.main(), Keys{"e"});
  EXPECT_EQ(c.small(), (Keys{"h", "i"}));
  EXPECT_EQ(c.current(), 90);
}

TEST(S3FIFORulesTest, AnExhaustedSmallQueueHandsOverToMain) {
  Cache c = half_cache();
  fill(c, 5, 20);
  for (int i = 0; i < 5; ++i) c.hit("k" + std::to_string(i), 2);
  // x: from S (M empty): every S object has freq 2 and moves to M, freeing
  // nothing, until S is empty; then from M (S is empty): k0 (freq 0 since
  // the move) is evicted.
  EXPECT_EQ(c.put("x", 20), Keys{"k0"});
  EXPECT_EQ(c.main(), (Keys{"k1", "k2", "k3", "k4"}));
  EXPECT_EQ(c.small(), Keys{"x"});
  EXPECT_EQ(c.ghost(), Keys{});  // an M victim never goes to G
}

// --- G, the ghost FIFO ---

TEST(S3FIFORulesTest, GhostIsAByteBoundedFifo) {
  // C 100, |S| 50, G = floor(100 * 0.5) = 50: two 20-byte ghosts fit.
  Cache c(100,
          params({{"fifo-size-ratio", "0.5"}, {"ghost-size-ratio", "0.5"}}));
  fill(c, 5, 20);
  EXPECT_EQ(c.put("a", 20), Keys{"k0"});
  EXPECT_EQ(c.put("b", 20), Keys{"k1"});
  EXPECT_EQ(c.ghost(), (Keys{"k0", "k1"}));
  EXPECT_EQ(c.evictor.ghost_bytes(), 40);
  // k2 into G: 40 + 20 > 50, so G's tail k0 is dropped first.
  EXPECT_EQ(c.put("c", 20), Keys{"k2"});
  EXPECT_EQ(c.ghost(), (Keys{"k1", "k2"}));
  // k0 is forgotten: it comes back into S, not M; S gives k3, and G drops
  // k1 for it.
  EXPECT_EQ(c.put("k0", 20), Keys{"k3"});
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k0"), S3FIFOQueue::kSmall);
  EXPECT_EQ(c.ghost(), (Keys{"k2", "k3"}));
  // A ghost hit takes the id out of G (k2 goes to M); S gives k4, which fits
  // beside k3.
  EXPECT_EQ(c.put("k2", 20), Keys{"k4"});
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k2"), S3FIFOQueue::kMain);
  EXPECT_EQ(c.ghost(), (Keys{"k3", "k4"}));
}

TEST(S3FIFORulesTest, AGhostLargerThanGIsNotKept) {
  // G = floor(100 * 0.1) = 10 < 20: evicted ids cannot be kept.
  Cache c(100,
          params({{"fifo-size-ratio", "0.5"}, {"ghost-size-ratio", "0.1"}}));
  fill(c, 5, 20);
  EXPECT_EQ(c.put("a", 20), Keys{"k0"});
  EXPECT_EQ(c.ghost(), Keys{});
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k0"), S3FIFOQueue::kNone);
}

TEST(S3FIFORulesTest, TheGhostLookupIsOnTheMissPathEvenWhenNotAdmitted) {
  Cache c(1000);
  fill(c, 11, 90);
  EXPECT_EQ(c.put("x", 90), Keys{"k0"});  // k0 -> G
  // A hit-rule call for a ghost id does nothing (it is not resident).
  c.hit("k0");
  EXPECT_EQ(c.ghost(), Keys{"k0"});
  // The miss of k0 with 101 bytes: the lookup removes k0 from G, then the
  // admission rule rejects it (101 > |S|).
  EXPECT_EQ(c.put("k0", 101), Keys{});
  EXPECT_EQ(c.last.status, PutStatus::kIllegal);
  EXPECT_EQ(c.ghost(), Keys{});
  // So the next miss of k0 is no ghost hit: into S.
  EXPECT_EQ(c.put("k0", 90), Keys{"k1"});
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k0"), S3FIFOQueue::kSmall);
}

TEST(S3FIFORulesTest, AKeylessDecideLeavesTheGhostLookupToStore) {
  Cache c = half_cache();
  fill(c, 5, 20);
  EXPECT_EQ(c.put("a", 20), Keys{"k0"});  // k0 -> G
  // update_on_put(d, size) does not know the key: store looks G up.
  const PutResult<std::string> r = c.evictor.update_on_put(c.dict, 20);
  EXPECT_EQ(r.status, PutStatus::kLegal);
  EXPECT_EQ(r.evict_keys, Keys{"k1"});
  for (const auto& k : r.evict_keys) c.evictor.remove(c.dict, k);
  c.evictor.store(c.dict, "k0", KVObject(KVObj{0, 20, {}}));
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k0"), S3FIFOQueue::kMain);
  EXPECT_EQ(c.ghost(), Keys{"k1"});
}

// --- sizes, re-puts, removals ---

TEST(S3FIFORulesTest, NegativeSizesChangeNothing) {
  Cache c = half_cache();
  fill(c, 5, 20);
  EXPECT_EQ(c.put("a", 20), Keys{"k0"});  // k0 -> G
  EXPECT_EQ(c.put("k0", -1), Keys{});
  EXPECT_EQ(c.last.status, PutStatus::kIllegal);
  EXPECT_EQ(c.ghost(), Keys{"k0"});  // not even the lookup
  EXPECT_THROW(c.evictor.store(c.dict, "n", KVObject(KVObj{0, -5, {}})),
               std::invalid_argument);
  EXPECT_EQ(c.keys(), (Keys{"k1", "k2", "k3", "k4", "a"}));
  EXPECT_EQ(c.current(), 100);
}

TEST(S3FIFORulesTest, AReputIsNeverItsOwnVictimAndStartsOverInSmall) {
  Cache c = half_cache();
  fill(c, 5, 20);  // S: k0..k4, 100 bytes
  c.hit("k0", 2);
  // Re-put k0 with 40 bytes: excess 100 - 20 + 40 - 100 = 20. From S: k0
  // is the incoming key, passed over in place (its freq 2 does not move it
  // to M); k1 is evicted. Then k0 is removed and stored anew: S's head,
  // freq 0, the dict's newest.
  EXPECT_EQ(c.put("k0", 40), Keys{"k1"});
  EXPECT_EQ(c.small(), (Keys{"k2", "k3", "k4", "k0"}));
  EXPECT_EQ(c.freq("k0"), 0);
  EXPECT_EQ(c.keys(), (Keys{"k2", "k3", "k4", "k0"}));
  EXPECT_EQ(c.current(), 100);
  EXPECT_EQ(c.ghost(), Keys{"k1"});  // the re-put left no ghost
  // A re-put of a key in M moves it back to S.
  c.hit("k2", 2);
  EXPECT_EQ(c.put("x", 20), Keys{"k3"});  // k2 -> M, k3 -> G
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k2"), S3FIFOQueue::kMain);
  EXPECT_EQ(c.put("k2", 20), Keys{});
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k2"), S3FIFOQueue::kSmall);
  EXPECT_EQ(c.main(), Keys{});
  // A re-put declined (50 == |S|, no ghost hit): S is k4 k0 x k2 (100
  // bytes); excess 100 - 20 + 50 - 100 = 30 takes k4 (20) and k0 (40), and
  // those evictions stand while k2's new object is not stored and its old
  // one is gone.
  EXPECT_EQ(c.put("k2", 50), (Keys{"k4", "k0"}));
  EXPECT_EQ(c.last.status, PutStatus::kLegal);
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k2"), S3FIFOQueue::kNone);
  EXPECT_FALSE(c.dict.contains("k2"));
  EXPECT_EQ(c.keys(), Keys{"x"});
  EXPECT_EQ(c.current(), 20);
}

TEST(S3FIFORulesTest, UserRemovalDetachesWithoutAGhost) {
  Cache c = half_cache();
  fill(c, 3, 20);
  c.evictor.remove(c.dict, "k1");
  EXPECT_EQ(c.small(), (Keys{"k0", "k2"}));
  EXPECT_EQ(c.ghost(), Keys{});
  EXPECT_EQ(c.current(), 40);
  EXPECT_THROW(c.evictor.remove(c.dict, "k1"), KeyNotFoundError);
  EXPECT_EQ(c.keys(), (Keys{"k0", "k2"}));
  EXPECT_EQ(c.current(), 40);
}

// --- the state's shortcuts (by entry number, remembered lookups) ---

TEST(S3FIFOStateTest, AStoreOfAnotherKeyThanDecidesStillLooksGUp) {
  // decide() remembers what it learnt about its incoming key for the store
  // of that same key. A store of another key (here in the very same string
  // object, so no address can tell them apart) must ask G itself.
  Cache c = half_cache();
  fill(c, 5, 20);
  EXPECT_EQ(c.put("a", 20), Keys{"k0"});  // k0 -> G
  std::string key = "zz";
  c.evictor.decide(c.dict, 20, &key, c.last);
  ASSERT_EQ(c.last.status, PutStatus::kLegal);
  ASSERT_EQ(c.last.evict_keys, Keys{"k1"});
  c.evictor.remove(c.dict, "k1");
  key = "k0";
  c.evictor.store(c.dict, key, KVObject(KVObj{0, 20, {}}));
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k0"), S3FIFOQueue::kMain);
  EXPECT_EQ(c.ghost(), Keys{"k1"});
  EXPECT_FALSE(c.dict.contains("zz"));
  EXPECT_EQ(c.current(), 100);
  EXPECT_EQ(c.evictor.small_bytes() + c.evictor.main_bytes(), 100);
}

TEST(S3FIFOStateTest, AStoreOfAResidentKeyAfterItsDecideReplacesIt) {
  // decide() saw the key resident (a re-put): a store without the caller's
  // removal removes the old object itself (the dict's newest, S's head).
  Cache c = half_cache();
  fill(c, 3, 20);
  const std::string key = "k0";
  c.evictor.decide(c.dict, 30, &key, c.last);
  ASSERT_EQ(c.last.status, PutStatus::kLegal);
  ASSERT_EQ(c.last.evict_keys, Keys{});
  c.evictor.store(c.dict, key, KVObject(KVObj{0, 30, {}}));
  EXPECT_EQ(c.keys(), (Keys{"k1", "k2", "k0"}));
  EXPECT_EQ(c.small(), (Keys{"k1", "k2", "k0"}));
  EXPECT_EQ(c.current(), 70);
  EXPECT_EQ(c.evictor.small_bytes(), 70);
}

TEST(S3FIFOStateTest, VictimsRemovedOutOfOrderKeepTheState) {
  // The victims' entry numbers are kept for the caller's removals in the
  // order given; removed in another order, each is found in the dict.
  Cache in_order = half_cache();
  Cache reversed = half_cache();
  for (Cache* c : {&in_order, &reversed}) {
    fill(*c, 5, 20);
    c->hit("k1", 2);  // k1 moves to M on the way
  }
  std::vector<std::string> a, b;
  in_order.evictor.candidates(in_order.dict, 3, NoPins{}, a);
  reversed.evictor.candidates(reversed.dict, 3, NoPins{}, b);
  ASSERT_EQ(a, (Keys{"k0", "k2", "k3"}));
  ASSERT_EQ(b, a);
  for (const auto& k : a) in_order.evictor.remove(in_order.dict, k);
  for (auto it = b.rbegin(); it != b.rend(); ++it) {
    reversed.evictor.remove(reversed.dict, *it);
  }
  for (Cache* c : {&in_order, &reversed}) {
    EXPECT_EQ(c->keys(), (Keys{"k1", "k4"}));
    EXPECT_EQ(c->small(), Keys{"k4"});
    EXPECT_EQ(c->main(), Keys{"k1"});
    EXPECT_EQ(c->ghost(), (Keys{"k0", "k2", "k3"}));
    EXPECT_EQ(c->current(), 40);
    EXPECT_EQ(c->evictor.small_bytes() + c->evictor.main_bytes(), 40);
    // The freed entries are reused by the next stores.
    EXPECT_EQ(c->put("n0", 20), Keys{});
    EXPECT_EQ(c->put("k2", 20), Keys{});  // a ghost hit: into M
    EXPECT_EQ(c->evictor.queue_of(c->dict, "k2"), S3FIFOQueue::kMain);
    EXPECT_EQ(c->main(), (Keys{"k1", "k2"}));
    EXPECT_EQ(c->current(), 80);
  }
}

TEST(S3FIFOStateTest, AVictimAwaitingItsRemovalIsNoHit) {
  Cache c = half_cache();
  fill(c, 5, 20);
  const std::string key = "x";
  c.evictor.decide(c.dict, 20, &key, c.last);
  ASSERT_EQ(c.last.evict_keys, Keys{"k0"});
  // k0 is still in the dict, but in no queue: no hit, no freq.
  EXPECT_FALSE(c.evictor.hit(c.dict, "k0"));
  EXPECT_EQ(c.freq("k0"), -1);
  EXPECT_EQ(c.evictor.queue_of(c.dict, "k0"), S3FIFOQueue::kGhost);
  c.evictor.remove(c.dict, "k0");
  c.evictor.store(c.dict, key, KVObject(KVObj{0, 20, {}}));
  EXPECT_EQ(c.small(), (Keys{"k1", "k2", "k3", "k4", "x"}));
  EXPECT_EQ(c.current(), 100);
}

TEST(S3FIFOStateTest, TheGhostSlabPeaksAndStaysPut) {
  // One object size, no hits: every put of a new key sends S's tail to G
  // and, once G is full, drops G's tail. The ghost nodes are reused: the
  // slab holds the most ghosts ever held at once, and stops growing.
  Cache c = half_cache();  // G = 90: four 20-byte ghosts
  fill(c, 5, 20);
  for (int i = 0; i < 20; ++i) c.put("w" + std::to_string(i), 20);
  const std::size_t peak = c.evictor.ghost_slab_size();
  EXPECT_EQ(c.evictor.ghost_count(), 4u);
  EXPECT_EQ(peak, 4u);
  for (int i = 20; i < 2000; ++i) c.put("w" + std::to_string(i), 20);
  EXPECT_EQ(c.evictor.ghost_slab_size(), peak);
  EXPECT_EQ(c.ghost(), (Keys{"w1991", "w1992", "w1993", "w1994"}));
  EXPECT_EQ(c.evictor.ghost_bytes(), 80);
}

// --- pins ---

TEST(S3FIFOPinsTest, APinnedSmallTailIsPassedOverInPlace) {
  Cache c = half_cache();
  fill(c, 5, 20);
  KeySetPins<std::string> pins;
  c.pin(pins, "k0");
  c.hit("k0", 2);  // would move to M, but a pinned entry is left in place
  // x: from S: k0 pinned, skipped; k1 (freq 0) evicted.
  EXPECT_EQ(c.put("x", 20, pins), Keys{"k1"});
  EXPECT_EQ(c.small(), (Keys{"k0", "k2", "k3", "k4", "x"}));
  EXPECT_EQ(c.freq("k0"), 2);
  EXPECT_EQ(c.main(), Keys{});
}

TEST(S3FIFOPinsTest, APinnedMainTailIsPassedOverInPlace) {
  Cache c = half_cache();
  fill(c, 5, 20);
  for (const char* k : {"k0", "k1", "k2"}) c.hit(k, 2);
  EXPECT_EQ(c.put("x", 20), Keys{"k3"});  // M: k0 k1 k2 (60 > 50)
  c.hit("k1", 1);
  KeySetPins<std::string> pins;
  c.pin(pins, "k0");
  // y: from M: k0 pinned, skipped (freq untouched); k1 (freq 1) to the
  // head with 0; k2 (freq 0) evicted.
  EXPECT_EQ(c.put("y", 20, pins), Keys{"k2"});
  EXPECT_EQ(c.main(), (Keys{"k0", "k1"}));
  // Unpinned, k0 would have been the victim.
}

TEST(S3FIFOPinsTest, AllOfMainPinnedFallsBackToSmall) {
  Cache c = half_cache();
  fill(c, 5, 20);
  for (const char* k : {"k0", "k1", "k2"}) c.hit(k, 2);
  EXPECT_EQ(c.put("x", 20), Keys{"k3"});  // M: k0 k1 k2 (60 > 50)
  KeySetPins<std::string> pins;
  for (const char* k : {"k0", "k1", "k2"}) c.pin(pins, k);
  // M is over capacity but holds nothing evictable: S gives k4.
  EXPECT_EQ(c.put("y", 20, pins), Keys{"k4"});
  EXPECT_EQ(c.ghost(), (Keys{"k3", "k4"}));
}

TEST(S3FIFOPinsTest, AnUnsatisfiablePutIsIllegalAndChangesNothing) {
  Cache c = half_cache();
  fill(c, 5, 20);
  c.hit("k4", 2);
  KeySetPins<std::string> pins;
  for (const char* k : {"k0", "k1", "k2", "k3"}) c.pin(pins, k);
  // 40 bytes need 40 freed; only k4 (20) is evictable.
  EXPECT_EQ(c.put("x", 40, pins), Keys{});
  EXPECT_EQ(c.last.status, PutStatus::kIllegal);
  EXPECT_EQ(c.small(), (Keys{"k0", "k1", "k2", "k3", "k4"}));
  EXPECT_EQ(c.freq("k4"), 2);
  EXPECT_EQ(c.main(), Keys{});
  EXPECT_EQ(c.ghost(), Keys{});
  EXPECT_EQ(c.current(), 100);
  // 20 bytes can be made: k4 moves to M (freq 2) and, S being exhausted,
  // M gives k4 itself (freq 0 after the move).
  EXPECT_EQ(c.put("y", 20, pins), Keys{"k4"});
}

TEST(S3FIFOPinsTest, CandidatesUseTheVictimRuleAndReturnFewerWhenPinned) {
  Cache c = half_cache();
  fill(c, 5, 20);
  KeySetPins<std::string> pins;
  std::vector<std::string> out;
  c.evictor.candidates(c.dict, 2, pins, out);
  EXPECT_EQ(out, (Keys{"k0", "k1"}));  // S's tail, one by one, into G
  EXPECT_EQ(c.ghost(), (Keys{"k0", "k1"}));
  for (const auto& k : out) c.evictor.remove(c.dict, k);
  EXPECT_EQ(c.current(), 60);
  c.pin(pins, "k2");
  c.pin(pins, "k3");
  c.evictor.candidates(c.dict, 5, pins, out);
  EXPECT_EQ(out, Keys{"k4"});
  for (const auto& k : out) c.evictor.remove(c.dict, k);
  EXPECT_EQ(c.keys(), (Keys{"k2", "k3"}));
}

// --- the executable spec ---

struct ModelConfig {
  std::int64_t max_bytes;
  double fifo, ghost;
  int threshold;
};

// Thousands of random puts (new and re-put keys; sizes from negative to
// above the limit, including exactly |S|), hits and removals, compared with
// S3FIFOModel after every operation.
TEST(S3FIFOModelTest, RandomOperationsMatchTheModel) {
  const ModelConfig configs[] = {
      {16384, 0.10, 0.90, 2},   // the contract suite's limit: |S| = 1638
      {16384, 0.50, 0.90, 2},   // |S| = 8192: 8192 is admitted, declined
      {163840, 0.10, 0.90, 2},  // |S| = 16384
      {32768, 0.25, 0.20, 1},   // a small G that drops often
      {32768, 0.30, 1.50, 3},
  };
  for (const ModelConfig& config : configs) {
    PolicyParams p("s3fifo");
    p.set("fifo-size-ratio", std::to_string(config.fifo));
    p.set("ghost-size-ratio", std::to_string(config.ghost));
    p.set("move-to-main-threshold", std::to_string(config.threshold));
    for (std::uint32_t seed : {1u, 2u, 3u}) {
      SCOPED_TRACE(::testing::Message()
                   << "max " << config.max_bytes << " fifo " << config.fifo
                   << " ghost " << config.ghost << " threshold "
                   << config.threshold << " seed " << seed);
      Cache c(config.max_bytes, p);
      S3FIFOModel model(S3FIFOPolicy::kTraits, config.max_bytes, config.fifo,
                        config.ghost, config.threshold);
      const std::int64_t s_cap = c.evictor.small_capacity();
      const std::int64_t sizes[] = {
          512, 1024, 2048, 4096, 6144, 8192, s_cap, config.max_bytes + 1, -512};
      std::mt19937 rng(seed);
      auto pick = [&](int n) {
        return std::uniform_int_distribution<int>(0, n - 1)(rng);
      };
      for (int op = 0; op < 4000; ++op) {
        const std::string key = "k" + std::to_string(pick(24));
        const int what = pick(10);
        Outcome actual, expected;
        if (what < 5) {
          const std::int64_t size = sizes[pick(op % 50 == 0 ? 9 : 8)];
          actual.victims = c.put(key, size);
          actual.status = c.last.status;
          if (actual.status == PutStatus::kIllegal) actual.victims.clear();
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
        ASSERT_EQ(actual.error, expected.error) << "op " << op << " " << key;
        ASSERT_EQ(actual.status, expected.status) << "op " << op << " " << key;
        ASSERT_EQ(actual.victims, expected.victims) << "op " << op;
        ASSERT_EQ(c.keys(), model.keys()) << "op " << op;
        ASSERT_EQ(static_cast<double>(c.current()), model.current())
            << "op " << op;
        ASSERT_EQ(c.small(), model.small_keys()) << "op " << op;
        ASSERT_EQ(c.main(), model.main_keys()) << "op " << op;
        ASSERT_EQ(c.ghost(), model.ghost_keys()) << "op " << op;
        ASSERT_EQ(c.evictor.small_bytes() + c.evictor.main_bytes(),
                  c.current());
      }
    }
  }
}

// --- libCacheSim ---

const std::string kTrace = EVICTLAB_SOURCE_DIR
    "/../shared/traces/libcachesim/cloudPhysicsIO.oracleGeneral.bin";

struct Expected {
  std::uint64_t cache_size, n_miss, n_miss_byte;
};

void expect_cachesim(const PolicyParams& p, const std::vector<Expected>& rows,
                     bool ignore_obj_size = false) {
  const sim::Trace trace =
      sim::read_trace(kTrace, sim::TraceFormat::kOracleGeneral);
  sim::SimOptions options;
  options.ignore_obj_size = ignore_obj_size;
  for (const Expected& row : rows) {
    SCOPED_TRACE(row.cache_size);
    const sim::SimResult r =
        sim::replay<S3FIFOPolicy>(trace, row.cache_size, options, p);
    EXPECT_EQ(r.n_req, 113872u);
    EXPECT_EQ(r.n_miss, row.n_miss);
    EXPECT_EQ(r.n_miss_byte, row.n_miss_byte);
  }
}

// Every number below is libCacheSim's cachesim at commit
// aa0fc40914b2b786f4b9f4dafb099f8f332b216a, single-threaded, on this trace
// (run for this test): cachesim's own driver patched only to print the
// exact counters (the unpatched binary prints the same ratios), as
//   cachesim_counts <trace> oracleGeneral s3fifo <sizes> --num-thread 1
//       [-e "<params>"]
// with <sizes> = 134217728,268435456,...,1073741824 (128 MiB x 1..8), or
// 100,1000,5000 with --ignore-obj-size 1 for the object counts.
TEST(S3FIFOCachesimTest, DefaultParametersMatchAt128MiBTimes1To8) {
  expect_cachesim(PolicyParams("s3fifo"), {{134217728, 89307, 4040718336},
                                           {268435456, 82387, 3703628800},
                                           {402653184, 77041, 3353047552},
                                           {536870912, 76791, 3282235904},
                                           {671088640, 71300, 3038256128},
                                           {805306368, 70343, 2980646912},
                                           {939524096, 70455, 2984458752},
                                           {1073741824, 70355, 2979649536}});
}

TEST(S3FIFOCachesimTest, FifoSizeRatio02Matches) {
  // -e "fifo-size-ratio=0.2"
  expect_cachesim(params({{"fifo-size-ratio", "0.2"}}),
                  {{134217728, 89307, 4040718336},
                   {268435456, 82387, 3703628800},
                   {402653184, 78037, 3420620800},
                   {536870912, 76395, 3276075008},
                   {671088640, 71300, 3038256128},
                   {805306368, 70343, 2980646912},
                   {939524096, 70383, 2981119488},
                   {1073741824, 70351, 2979489280}});
}

TEST(S3FIFOCachesimTest, AllThreeParametersMatch) {
  // -e "fifo-size-ratio=0.25,ghost-size-ratio=0.5,move-to-main-threshold=1"
  expect_cachesim(params({{"fifo-size-ratio", "0.25"},
                          {"ghost-size-ratio", "0.5"},
                          {"move-to-main-threshold", "1"}}),
                  {{134217728, 90539, 4089333760},
                   {268435456, 81690, 3673515520},
                   {402653184, 77490, 3487176704},
                   {536870912, 72993, 3169870848},
                   {671088640, 67268, 2862015488},
                   {805306368, 65685, 2771180032},
                   {939524096, 64439, 2699484672},
                   {1073741824, 64365, 2696054272}});
}

TEST(S3FIFOCachesimTest, ObjectCountsMatch) {
  // --ignore-obj-size 1, capacities 100, 1000, 5000 objects.
  expect_cachesim(
      PolicyParams("s3fifo"),
      {{100, 96893, 96893}, {1000, 94017, 94017}, {5000, 85382, 85382}},
      /*ignore_obj_size=*/true);
  // -e "fifo-size-ratio=0.2"
  expect_cachesim(
      params({{"fifo-size-ratio", "0.2"}}),
      {{100, 97204, 97204}, {1000, 93957, 93957}, {5000, 85346, 85346}},
      /*ignore_obj_size=*/true);
}

}  // namespace
}  // namespace evictlab
