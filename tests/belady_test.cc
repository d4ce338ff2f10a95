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

template <class DictKind>
struct CacheOver {
  using Dict = typename DictKind::template Type<std::string, KVObject>;
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
  // The KV simulator's store (caller.h put_best_effort): victims chosen
  // under `pins`, with what they pass over set aside while no key is
  // unpinned (KeySetPins has unpin_epoch()). The victims, removed whatever
  // the outcome.
  Keys put_best(const std::string& key, std::int64_t next,
                const KeySetPins<std::string>& pins) {
    evictor.set_next_access(next);
    status = put_best_effort(evictor, dict, key, kObj, scratch, pins, [] {
      return KVObject(KVObj{0, kObj, {}});
    });
    return scratch.evict_keys;
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
using Cache = CacheOver<DefaultDict>;

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

// The +infinity objects live on a stack of (stamp, slot) beside the heap
// of finite next accesses (belady_evictor.h). These cases pin what that
// structure must keep exactly as the single heap gave it, over a dict with
// entry numbers (the slots are the dict's) and one without (a side table).
template <class DictKind>
class BeladyNeverStack : public ::testing::Test {};
using StackDicts = ::testing::Types<FlatDict, NodeDict>;
TYPED_TEST_SUITE(BeladyNeverStack, StackDicts);

// Hits and re-puts re-stamp: among the never-again objects the latest
// stamp goes first, and the stack's old entries for them are stale (a, b)
// or belong to an object that is finite now (c).
TYPED_TEST(BeladyNeverStack, LatestStampFirstAfterHitsAndReputs) {
  CacheOver<TypeParam> c;
  c.put("a", kNone);
  c.put("b", kNone);
  c.put("c", kNone);
  c.put("d", kNone);
  c.hit("b", kNone);                     // stamps: a1 c3 d4 b5
  EXPECT_EQ(c.put("a", kNone), Keys{});  // re-put, same size: a6
  c.hit("c", 30);                        // c leaves the +infinity objects
  EXPECT_EQ(c.put("e", 40), Keys{"a"});
  EXPECT_EQ(c.put("f", 41), Keys{"b"});
  EXPECT_EQ(c.put("g", 42), Keys{"d"});
  // Only finite next accesses are left: c 30, e 40, f 41, g 42.
  EXPECT_EQ(c.put("h", 43), Keys{"g"});
  EXPECT_EQ(c.put("i", 10), Keys{"h"});
  EXPECT_EQ(c.dict.size(), 4u);
}

// A finite object that becomes +infinity moves to the stack and goes
// before every finite one; a +infinity object removed by the user leaves a
// stale entry that is passed over.
TYPED_TEST(BeladyNeverStack, MixOfNeverAndFiniteVictims) {
  CacheOver<TypeParam> c;
  c.put("a", 100);
  c.put("b", kNone);
  c.put("c", 5);
  c.put("d", kNone);
  c.hit("a", kNone);  // stamps among +infinity: b2 d4 a5
  c.evictor.remove(c.dict, "a");
  // One large put: the +infinity objects newest first, a's stale entry
  // passed over; c 5 stays.
  EXPECT_EQ(c.put("big", 50, 3 * kObj), (Keys{"d", "b"}));
  // No +infinity object is left: the farthest finite (big 50, not c 5).
  EXPECT_EQ(c.put("e", kNone), Keys{"big"});
  // c 5 and e +infinity: e goes first.
  EXPECT_EQ(c.put("f", 60, 3 * kObj), Keys{"e"});
  // c 5, f 60: farthest first.
  EXPECT_EQ(c.put("g", 70, 4 * kObj), (Keys{"f", "c"}));
}

// Many hits leave stale entries on the stack (b, c, d re-stamped as
// +infinity) and in the heap (a, finite, rising): both are compacted, and
// the victims come out as before, newest +infinity first, then farthest.
TYPED_TEST(BeladyNeverStack, CompactionKeepsTheOrder) {
  CacheOver<TypeParam> c;
  c.put("a", 1);
  c.put("b", kNone);
  c.put("c", kNone);
  c.put("d", kNone);
  const char* key[] = {"a", "b", "c", "d"};
  for (int i = 0; i < 10000; ++i) {
    c.hit(key[i % 4], i % 4 == 0 ? 1000 + i : kNone);
  }
  // The last hits were b, c, d (in that order); a's next access is 10996.
  EXPECT_EQ(c.put("e", 20000), Keys{"d"});
  EXPECT_EQ(c.put("f", 20001), Keys{"c"});
  EXPECT_EQ(c.put("g", 20002), Keys{"b"});
  EXPECT_EQ(c.put("h", 5), Keys{"g"});
  EXPECT_EQ(c.put("i", 6), Keys{"f"});
  EXPECT_EQ(c.put("j", 7), Keys{"e"});
  EXPECT_EQ(c.put("k", 8), Keys{"a"});
}

// A pinned +infinity object atop the stack is passed over and the next one
// is the victim; once unpinned it is back in its place.
TYPED_TEST(BeladyNeverStack, PinnedTopIsSkippedAndKeepsItsPlace) {
  CacheOver<TypeParam> c;
  KeySetPins<std::string> pins;
  c.put("x", kNone);
  c.put("y", kNone);
  c.put("z", kNone);
  c.put("w", 5);
  pins.pin("z", kObj);
  EXPECT_EQ(c.put_pinned("v", 6, pins), Keys{"y"});
  pins.unpin("z", kObj);
  EXPECT_EQ(c.put_pinned("u", 7, pins), Keys{"z"});
  EXPECT_EQ(c.put_pinned("t", 8, pins), Keys{"x"});
  EXPECT_EQ(c.put_pinned("s", 9, pins), Keys{"t"});
}

TYPED_TEST(BeladyNeverStack, CandidatesPassOverAPinnedTop) {
  CacheOver<TypeParam> c;
  KeySetPins<std::string> pins;
  c.put("x", kNone);
  c.put("y", kNone);
  c.put("z", kNone);
  c.put("w", 5);
  pins.pin("z", kObj);
  std::vector<std::string> out;
  c.evictor.candidates(c.dict, 3, pins, out);
  EXPECT_EQ(out, (Keys{"y", "x", "w"}));
  for (const auto& k : out) c.evictor.remove(c.dict, k);
  pins.unpin("z", kObj);
  c.evictor.candidates(c.dict, 3, pins, out);
  EXPECT_EQ(out, Keys{"z"});  // back in its place, and all that is left
}

// The KV simulator's path: entries passed over for a pin stay aside while
// no key is unpinned, across stores that push newer entries (each stored
// block is pinned at once, as kv_replay does) and a hit that makes an
// entry set aside stale. After the unpin they go back under the entries
// pushed since (a hit's) and over the older ones, in stamp order.
TYPED_TEST(BeladyNeverStack, EntriesSetAsideComeBackInStampOrder) {
  CacheOver<TypeParam> c;
  KeySetPins<std::string> pins;
  c.put("a", kNone);  // stamps: a1 b2 c3, d finite
  c.put("b", kNone);
  c.put("c", kNone);
  c.put("d", 10);
  pins.pin("b", kObj);
  pins.pin("c", kObj);
  // c and b are passed over (set aside), a is the victim.
  EXPECT_EQ(c.put_best("e", kNone, pins), Keys{"a"});  // e5
  pins.pin("e", kObj);
  // e is set aside too; no +infinity object is left: d.
  EXPECT_EQ(c.put_best("f", kNone, pins), Keys{"d"});  // f6
  pins.pin("f", kObj);
  c.hit("c", kNone);  // c7: the entry set aside for c3 is stale now
  // Everything is pinned: nothing to evict, the store fails.
  EXPECT_EQ(c.put_best("g", 1, pins), Keys{});
  EXPECT_EQ(c.status, PutStatus::kIllegal);
  pins.clear();
  // A hit before the next store pushes f8 onto the stack; the entries set
  // aside go back under it.
  c.hit("f", kNone);
  // Stamps among +infinity: b2 e5 c7 f8.
  EXPECT_EQ(c.put_best("g", 20, pins), Keys{"f"});
  EXPECT_EQ(c.put_best("h", 21, pins), Keys{"c"});
  EXPECT_EQ(c.put_best("i", 22, pins), Keys{"e"});
  EXPECT_EQ(c.put_best("j", 23, pins), Keys{"b"});
  // g 20, h 21, i 22, j 23.
  EXPECT_EQ(c.put_best("k", 1, pins), Keys{"j"});
}

}  // namespace
}  // namespace evictlab
