// BeladyEvictor (policy `belady`): hand-worked sequences that pin the rules
// of SIM-SPEC sections 3-4 (farthest next access first, +infinity first, a
// hit moves the next access, the tie rule among +infinity objects), the
// interface rules shared with the other exact policies (re-put, pins,
// candidates, parameters), and the lazy heap's bound. The replay of the
// shipped trace against libCacheSim's numbers is in simulator_test.cc.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evictlab/belady_evictor.h"
#include "evictlab/caller.h"
#include "evictlab/dicts.h"
#include "evictlab/errors.h"
#include "evictlab/kv_object.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"

namespace evictlab {
namespace {

using Keys = std::vector<std::string>;

// MAX = 16384 bytes: four 4096-byte objects.
constexpr std::int64_t kObj = 4096;
constexpr double kMaxGb = 16384.0 / 1073741824.0;
constexpr std::int64_t kNone = -1;

struct Cache {
  using Dict = DefaultDict::Type<std::string, KVObject>;
  // A request for `key` whose next access is `next` (kNone: never).
  Keys put(const std::string& key, std::int64_t next,
           std::int64_t size = kObj) {
    evictor.set_next_access(next);
    status = put_blocking(evictor, dict, key, KVObject(KVObj{0, size, {}}),
                          size, scratch);
    return status == PutStatus::kLegal ? scratch.evict_keys : Keys{};
  }
  Keys put_pinned(const std::string& key, std::int64_t next,
                  const KeySetPins<std::string>& pins) {
    evictor.set_next_access(next);
    status = put_blocking(evictor, dict, key, KVObject(KVObj{0, kObj, {}}),
                          kObj, scratch, pins);
    return status == PutStatus::kLegal ? scratch.evict_keys : Keys{};
  }
  void hit(const std::string& key, std::int64_t next) {
    evictor.set_next_access(next);
    evictor.update_on_get(key, dict);
  }
  Dict dict;
  BeladyEvictor<Dict> evictor{kMaxGb};
  PutResult<std::string> scratch;
  PutStatus status = PutStatus::kLegal;
};

TEST(Belady, EvictsTheFarthestNextAccess) {
  Cache c;
  // Next accesses 40, 10, 30, 20: "a" is needed last.
  c.put("a", 40);
  c.put("b", 10);
  c.put("c", 30);
  c.put("d", 20);
  EXPECT_EQ(c.put("e", 50), Keys{"a"});
  // b 10, c 30, d 20, e 50: the newcomer e is the farthest.
  EXPECT_EQ(c.put("f", 15), Keys{"e"});
  // b 10, c 30, d 20, f 15.
  EXPECT_EQ(c.put("g", 5), Keys{"c"});
}

TEST(Belady, ObjectsNeverAccessedAgainGoFirst) {
  Cache c;
  c.put("a", 1000000);
  c.put("never", kNone);
  c.put("b", 7);
  c.put("c", 8);
  EXPECT_EQ(c.put("d", 9), Keys{"never"});
}

TEST(Belady, AmongNeverAccessedTheLatestStampedGoesFirst) {
  Cache c;
  c.put("x", kNone);
  c.put("y", kNone);
  c.put("z", kNone);
  c.put("w", 5);
  // x, y, z never return; z was stamped last.
  EXPECT_EQ(c.put("v", 6), Keys{"z"});
  // A hit re-stamps x: it is now the latest of the +infinity objects.
  c.hit("x", kNone);
  EXPECT_EQ(c.put("u", 7), Keys{"x"});
}

TEST(Belady, AHitMovesTheNextAccess) {
  Cache c;
  c.put("a", 10);
  c.put("b", 20);
  c.put("c", 30);
  c.put("d", 40);
  // The request at 10 hits "a", whose next access becomes 100.
  c.hit("a", 100);
  EXPECT_EQ(c.put("e", 50), Keys{"a"});
  // A hit never evicts, and a hit of an absent key does nothing.
  c.hit("zz", 1);
  EXPECT_EQ(c.dict.size(), 4u);
}

TEST(Belady, OneLargePutEvictsFarthestFirstAndNoMore) {
  Cache c;
  c.put("a", 10);
  c.put("b", 40);
  c.put("c", 30);
  c.put("d", 20);
  EXPECT_EQ(c.put("big", 50, 3 * kObj), (Keys{"b", "c", "d"}));
  EXPECT_EQ(c.dict.keys(), (Keys{"a", "big"}));
  EXPECT_EQ(c.evictor.current_cache_size(), 4 * kObj);
}

TEST(Belady, AReputKeyIsNeverItsOwnVictim) {
  Cache c;
  c.put("a", kNone);
  c.put("b", 10);
  c.put("c", 20);
  c.put("d", 30);
  // "a" is the farthest, but it is the key being put: its old bytes are
  // freed, and a bigger new object evicts the next farthest.
  EXPECT_EQ(c.put("a", kNone, 2 * kObj), Keys{"d"});
  EXPECT_EQ(c.evictor.current_cache_size(), 4 * kObj);
}

TEST(Belady, AboveTheLimitAndNegativeSizesAreIllegal) {
  Cache c;
  c.put("a", 1);
  EXPECT_EQ(c.put("huge", 2, 4 * kObj + 1), Keys{});
  EXPECT_EQ(c.status, PutStatus::kIllegal);
  EXPECT_EQ(c.put("neg", 2, -1), Keys{});
  EXPECT_EQ(c.status, PutStatus::kIllegal);
  EXPECT_EQ(c.dict.keys(), Keys{"a"});
  EXPECT_EQ(c.evictor.current_cache_size(), kObj);
}

TEST(Belady, PinnedObjectsAreSkippedAndKeepTheirPlace) {
  Cache c;
  KeySetPins<std::string> pins;
  c.put("far", 100);
  c.put("b", 10);
  c.put("c", 20);
  c.put("d", 30);
  pins.pin("far", kObj);
  EXPECT_EQ(c.put_pinned("e", 5, pins), Keys{"d"});
  pins.unpin("far", kObj);
  // Unpinned, it is the farthest again: the skipped entry went back.
  EXPECT_EQ(c.put_pinned("f", 6, pins), Keys{"far"});
}

TEST(Belady, AnUnsatisfiablePutChangesNothing) {
  Cache c;
  KeySetPins<std::string> pins;
  for (const char* k : {"a", "b", "c", "d"}) {
    c.put(k, kNone);
    pins.pin(k, kObj);
  }
  EXPECT_EQ(c.put_pinned("e", 1, pins), Keys{});
  EXPECT_EQ(c.status, PutStatus::kIllegal);
  EXPECT_EQ(c.dict.keys(), (Keys{"a", "b", "c", "d"}));
  pins.unpin("b", kObj);
  EXPECT_EQ(c.put_pinned("e", 1, pins), Keys{"b"});
}

TEST(Belady, CandidatesComeFarthestFirstAndFewerWhenPinned) {
  Cache c;
  KeySetPins<std::string> pins;
  c.put("a", 10);
  c.put("b", 40);
  c.put("c", 30);
  c.put("d", 20);
  pins.pin("b", kObj);
  std::vector<std::string> out;
  c.evictor.candidates(c.dict, 2, pins, out);
  EXPECT_EQ(out, (Keys{"c", "d"}));
  for (const auto& k : out) c.evictor.remove(c.dict, k);
  c.evictor.candidates(c.dict, 5, pins, out);
  EXPECT_EQ(out, Keys{"a"});  // "b" is pinned: one is all there is
}

TEST(Belady, UserRemovalForgetsTheObject) {
  Cache c;
  c.put("a", 100);
  c.put("b", 10);
  c.evictor.remove(c.dict, "a");
  EXPECT_THROW(c.evictor.remove(c.dict, "a"), KeyNotFoundError);
  c.put("c", 20);
  c.put("d", 30);
  c.put("e", 40);
  EXPECT_EQ(c.put("f", 5), Keys{"e"});
}

TEST(Belady, TakesNoParameters) {
  PolicyParams params("belady");
  params.set("window", "3");
  try {
    BeladyEvictor<Cache::Dict> evictor(1.0, params);
    FAIL() << "a parameter was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "belady.window");
  }
}

// A long run of hits leaves stale heap entries; the heap is rebuilt so that
// victims stay right and memory stays bounded (checked through the victims
// only: the heap is private).
TEST(Belady, ManyHitsKeepVictimsExact) {
  Cache c;
  c.put("a", 1);
  c.put("b", 2);
  c.put("c", 3);
  c.put("d", 4);
  for (int i = 0; i < 10000; ++i) {
    // Each request hits one of the four; next accesses keep rising, and
    // "b" is given the farthest last.
    const char* key[] = {"a", "b", "c", "d"};
    c.hit(key[i % 4], 10 + i + (i % 4 == 1 ? 1000000 : 0));
  }
  EXPECT_EQ(c.put("e", 20000), Keys{"b"});
}

}  // namespace
}  // namespace evictlab
