// ARCEvictor (policy `arc`) against hand-worked sequences that pin every rule
// of SIM-SPEC section 4's ARC, against its executable spec ARCModel
// (tests/models/arc_model.h) under random operations, and against
// libCacheSim's own miss counts on the shipped cloudPhysics trace.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "evictlab/arc_evictor.h"
#include "evictlab/caller.h"
#include "evictlab/dicts.h"
#include "evictlab/errors.h"
#include "evictlab/kv_object.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/sim/replay.h"
#include "evictlab/sim/trace.h"
#include "tests/models/arc_model.h"

namespace evictlab {
namespace testing {
// Readable failures of the model comparison.
void PrintTo(const Outcome& o, std::ostream* os) {
  *os << "{error '" << o.error << "', " << put_status_name(o.status)
      << ", victims [";
  for (std::size_t i = 0; i < o.victims.size(); ++i) {
    *os << (i ? "," : "") << o.victims[i];
  }
  *os << "]}";
}
}  // namespace testing

namespace {

using Keys = std::vector<std::string>;
using L = ARCList;
using Dict = DefaultDict::Type<std::string, KVObject>;
using Evictor = ARCEvictor<Dict>;

double gb(std::int64_t bytes) {
  return static_cast<double>(bytes) / 1073741824.0;  // exact
}
KVObject obj(std::int64_t size) { return KVObject(KVObj{0, size, {}}); }

// The hidden state: the four lists head (newest) first, and p.
struct State {
  Keys l1, l2, g1, g2;
  double p = 0;
  friend bool operator==(const State& a, const State& b) {
    return a.l1 == b.l1 && a.l2 == b.l2 && a.g1 == b.g1 && a.g2 == b.g2 &&
           a.p == b.p;
  }
  friend std::ostream& operator<<(std::ostream& os, const State& s) {
    auto list = [&](const char* name, const Keys& keys) {
      os << name << "=[";
      for (std::size_t i = 0; i < keys.size(); ++i) {
        os << (i ? "," : "") << keys[i];
      }
      os << "] ";
    };
    list("L1", s.l1);
    list("L2", s.l2);
    list("G1", s.g1);
    list("G2", s.g2);
    return os << "p=" << s.p;
  }
};

// A cache driven as the simulator drives it (SIM-SPEC section 1): a resident
// key is a hit (the hit rule), anything else a miss through the caller loop.
template <class D = Dict>
class Sim {
 public:
  explicit Sim(std::int64_t capacity) : ev_(gb(capacity)) {}

  // One request; returns its victims (empty for a hit).
  Keys req(const std::string& key, std::int64_t size) {
    if (dict_.contains(key)) {
      ev_.update_on_get(key, dict_);
      last_ = PutStatus::kLegal;
      return {};
    }
    last_ = put_blocking(ev_, dict_, key, obj(size), size, scratch_);
    return last_ == PutStatus::kLegal ? scratch_.evict_keys : Keys{};
  }
  PutStatus last_status() const { return last_; }

  State state() const {
    return {ev_.keys_of(dict_, L::kL1), ev_.keys_of(dict_, L::kL2),
            ev_.keys_of(dict_, L::kG1), ev_.keys_of(dict_, L::kG2), ev_.p()};
  }
  ARCEvictor<D>& ev() { return ev_; }
  D& dict() { return dict_; }

 private:
  D dict_;
  ARCEvictor<D> ev_;
  PutResult<std::string> scratch_;
  PutStatus last_ = PutStatus::kLegal;
};

// ---------------------------------------------------------------------------
// Hand-worked sequences. Unless stated, every object has size 1 and the
// capacity is C = 4 (page ARC with c = 4). State: lists head first.

TEST(ArcRulesTest, InsertGoesToL1AndHitsMoveToL2sHead) {
  Sim<> s(4);
  s.req("a", 1);
  s.req("b", 1);
  s.req("c", 1);
  EXPECT_EQ(s.state(), (State{{"c", "b", "a"}, {}, {}, {}, 0}));
  s.req("a", 1);  // hit in L1: to L2's head
  EXPECT_EQ(s.state(), (State{{"c", "b"}, {"a"}, {}, {}, 0}));
  s.req("b", 1);  // hit in L1: to L2's head
  EXPECT_EQ(s.state(), (State{{"c"}, {"b", "a"}, {}, {}, 0}));
  s.req("a", 1);  // hit in L2: to L2's head
  EXPECT_EQ(s.state(), (State{{"c"}, {"a", "b"}, {}, {}, 0}));
  s.req("a", 1);  // hit at L2's head: stays
  EXPECT_EQ(s.state(), (State{{"c"}, {"a", "b"}, {}, {}, 0}));
  EXPECT_EQ(s.ev().bytes(L::kL1), 1);
  EXPECT_EQ(s.ev().bytes(L::kL2), 2);
  // The dict is never reordered: insertion order.
  EXPECT_EQ(s.dict().keys(), (Keys{"a", "b", "c"}));
}

TEST(ArcRulesTest, L1TooBigWithNoGhostsEvictsL1sTailOutright) {
  Sim<> s(4);
  for (const char* k : {"a", "b", "c", "d"}) s.req(k, 1);
  // e: 4 + 1 > 4. No ghost hit; l1 + g1 + s = 4 + 0 + 1 > 4 and g1 == 0:
  // L1's tail a is evicted outright, into no ghost list.
  EXPECT_EQ(s.req("e", 1), Keys{"a"});
  EXPECT_EQ(s.state(), (State{{"e", "d", "c", "b"}, {}, {}, {}, 0}));
  EXPECT_EQ(s.ev().list_of(s.dict(), "a"), L::kNone);
  // a again: no ghost, so a plain miss into L1; b goes outright the same way.
  EXPECT_EQ(s.req("a", 1), Keys{"b"});
  EXPECT_EQ(s.state(), (State{{"a", "e", "d", "c"}, {}, {}, {}, 0}));
  EXPECT_EQ(s.dict().keys(), (Keys{"c", "d", "e", "a"}));
}

// Steps 1-9 of the walk below, each state checked.
void page_walk_prefix(Sim<>& s) {
  // 1. a b c d fill the cache, all in L1.
  for (const char* k : {"a", "b", "c", "d"}) EXPECT_EQ(s.req(k, 1), Keys{});
  // 2. hits of a and b move them to L2.
  s.req("a", 1);
  s.req("b", 1);
  EXPECT_EQ(s.state(), (State{{"d", "c"}, {"b", "a"}, {}, {}, 0}));
  // 3. e: l1 + g1 + s = 2 + 0 + 1 <= 4; l1 + g1 + l2 + g2 = 4 < 8, so no
  //    ghost drop; REPLACE: l1 = 2 > p = 0, so L1's tail c goes to G1.
  EXPECT_EQ(s.req("e", 1), Keys{"c"});
  EXPECT_EQ(s.state(), (State{{"e", "d"}, {"b", "a"}, {"c"}, {}, 0}));
  // 4. f: 2 + 1 + 1 = 4 <= 4; total 5 < 8; REPLACE: d to G1's head.
  EXPECT_EQ(s.req("f", 1), Keys{"d"});
  EXPECT_EQ(s.state(), (State{{"f", "e"}, {"b", "a"}, {"d", "c"}, {}, 0}));
  // 5. c is a ghost in G1: a miss; p = min(0 + max(g2/g1 = 0/2, 1), 4) = 1;
  //    the ghost goes. The eviction after a ghost hit is REPLACE: l1 = 2 >
  //    1, so e goes to G1. c is inserted at L2's head.
  EXPECT_EQ(s.req("c", 1), Keys{"e"});
  EXPECT_EQ(s.state(), (State{{"f"}, {"c", "b", "a"}, {"e", "d"}, {}, 1}));
  // 6. g: 1 + 2 + 1 = 4 <= 4; total 6 < 8; REPLACE: l1 = 1 is not > p = 1,
  //    and l1 == p counts only with this request's G2 flag (none): L2's tail
  //    a goes to G2.
  EXPECT_EQ(s.req("g", 1), Keys{"a"});
  EXPECT_EQ(s.state(), (State{{"g", "f"}, {"c", "b"}, {"e", "d"}, {"a"}, 1}));
  // 7. a is a ghost in G2: p = max(1 - max(g1/g2 = 2/1, 1), 0) = 0 (the
  //    ratio moves p by 2, clamped at 0). REPLACE: l1 = 2 > 0: f to G1. a
  //    to L2's head.
  EXPECT_EQ(s.req("a", 1), Keys{"f"});
  EXPECT_EQ(s.state(), (State{{"g"}, {"a", "c", "b"}, {"f", "e", "d"}, {}, 0}));
  // 8. d in G1: p = 0 + max(0/3, 1) = 1. REPLACE: l1 = 1 == p, but the flag
  //    is G1's, not G2's: L2's tail b goes to G2.
  EXPECT_EQ(s.req("d", 1), Keys{"b"});
  EXPECT_EQ(s.state(), (State{{"g"}, {"d", "a", "c"}, {"f", "e"}, {"b"}, 1}));
  // 9. e in G1: p = 1 + max(g2/g1 = 1/2, 1) = 2. REPLACE: l1 = 1 < 2: L2's
  //    tail c to G2.
  EXPECT_EQ(s.req("e", 1), Keys{"c"});
  EXPECT_EQ(s.state(), (State{{"g"}, {"e", "d", "a"}, {"f"}, {"c", "b"}, 2}));
}

TEST(ArcRulesTest, PageSizedWalkThroughEveryRule) {
  Sim<> s(4);
  page_walk_prefix(s);
  // 10. b in G2: p = max(2 - max(g1/g2 = 1/2, 1), 0) = 1. REPLACE: l1 = 1 ==
  //     p and this request's G2 flag is set: L1's tail g goes to G1.
  EXPECT_EQ(s.req("b", 1), Keys{"g"});
  EXPECT_EQ(s.state(), (State{{}, {"b", "e", "d", "a"}, {"g", "f"}, {"c"}, 1}));
  // 11. h (no ghost): 0 + 2 + 1 <= 4; total 0 + 2 + 4 + 1 = 7 < 8; REPLACE:
  //     l1 == 0, so L2's tail a goes to G2.
  EXPECT_EQ(s.req("h", 1), Keys{"a"});
  EXPECT_EQ(s.state(),
            (State{{"h"}, {"b", "e", "d"}, {"g", "f"}, {"a", "c"}, 1}));
  // 12. i: 1 + 2 + 1 = 4 <= 4, and l1 + g1 + l2 + g2 = 8 >= 2C with g2 > 0:
  //     G2's tail c is dropped; then REPLACE: l1 = 1 == p, no G2 flag: L2's
  //     tail d to G2.
  EXPECT_EQ(s.req("i", 1), Keys{"d"});
  EXPECT_EQ(s.state(),
            (State{{"i", "h"}, {"b", "e"}, {"g", "f"}, {"d", "a"}, 1}));
  EXPECT_EQ(s.ev().list_of(s.dict(), "c"), L::kNone);
  // 13. j: l1 + g1 + s = 2 + 2 + 1 > 4 and g1 > 0: G1's tail f is dropped,
  //     then REPLACE: l1 = 2 > 1: L1's tail h to G1.
  EXPECT_EQ(s.req("j", 1), Keys{"h"});
  EXPECT_EQ(s.state(),
            (State{{"j", "i"}, {"b", "e"}, {"h", "g"}, {"d", "a"}, 1}));
  EXPECT_EQ(s.ev().list_of(s.dict(), "f"), L::kNone);
  // Resident keys in insertion order: e (back at 9), b (10), i, j.
  EXPECT_EQ(s.dict().keys(), (Keys{"e", "b", "i", "j"}));
  EXPECT_EQ(s.ev().current_cache_size(), 4);
  EXPECT_EQ(s.ev().bytes(L::kG1), 2);
  EXPECT_EQ(s.ev().bytes(L::kG2), 2);
}

TEST(ArcRulesTest, ByteSizedRatiosFractionalPAndDoubleComparisons) {
  // C = 10 bytes, sizes in parentheses.
  Sim<> s(10);
  s.req("a", 5);
  s.req("a", 5);  // a to L2
  s.req("d", 5);
  s.req("d", 5);  // d to L2: L2 = [d, a], l2 = 10, l1 = 0
  // b(2): 10 + 2 > 10. 0 + 0 + 2 <= 10; total 10 < 20; REPLACE: l1 == 0:
  // L2's tail a(5) to G2; 5 + 2 fits.
  EXPECT_EQ(s.req("b", 2), Keys{"a"});
  EXPECT_EQ(s.req("c", 3), Keys{});  // 7 + 3 == 10 fits
  // e(2): 5 + 0 + 2 <= 10; total 15 < 20; REPLACE: l1 = 5 > 0: b(2) to G1.
  EXPECT_EQ(s.req("e", 2), Keys{"b"});
  EXPECT_EQ(s.state(), (State{{"e", "c"}, {"d"}, {"b"}, {"a"}, 0}));
  // b(2) in G1: the ratio of the ghost byte counters before this ghost is
  // removed: g2/g1 = 5/2 = 2.5, so p = 2.5 (after the removal it would be
  // 5/0 = inf and p = C). REPLACE: l1 = 5 > 2.5: c(3) to G1; 7 + 2 fits. b
  // at L2's head.
  EXPECT_EQ(s.req("b", 2), Keys{"c"});
  EXPECT_EQ(s.state(), (State{{"e"}, {"b", "d"}, {"c"}, {"a"}, 2.5}));
  EXPECT_EQ(s.req("f", 1), Keys{});  // 9 + 1 fits: L1 = [f, e], l1 = 3
  // g(1): 3 + 3 + 1 <= 10; total 18 < 20; REPLACE: l1 = 3 > 2.5 (p is not
  // rounded up to 3): e(2) to G1.
  EXPECT_EQ(s.req("g", 1), Keys{"e"});
  EXPECT_EQ(s.state(), (State{{"g", "f"}, {"b", "d"}, {"e", "c"}, {"a"}, 2.5}));
  // i(2): 9 + 2 > 10. 2 + 5 + 2 <= 10; total 19 < 20; REPLACE: l1 = 2 < 2.5:
  // L2's tail d(5) to G2.
  EXPECT_EQ(s.req("i", 2), Keys{"d"});
  EXPECT_EQ(s.state(),
            (State{{"i", "g", "f"}, {"b"}, {"e", "c"}, {"d", "a"}, 2.5}));
  // j(5): 6 + 5 > 10. 4 + 5 + 5 > 10 and g1 > 0: G1's tail c dropped, then
  // REPLACE: 4 > 2.5: f(1) to G1; 5 + 5 fits.
  EXPECT_EQ(s.req("j", 5), Keys{"f"});
  EXPECT_EQ(s.state(),
            (State{{"j", "i", "g"}, {"b"}, {"f", "e"}, {"d", "a"}, 2.5}));
  // a(5) in G2: g1/g2 = 3/10 -> 1, p = 1.5. 10 + 5 > 10 takes three
  // evictions, all REPLACE (a ghost hit: no ghost drops even though g1 then
  // exceeds C): g(1), i(2), j(5) to G1 (l1 = 8, 7, 5 > 1.5).
  EXPECT_EQ(s.req("a", 5), (Keys{"g", "i", "j"}));
  EXPECT_EQ(s.state(),
            (State{{}, {"a", "b"}, {"j", "i", "g", "f", "e"}, {"d"}, 1.5}));
  EXPECT_EQ(s.ev().bytes(L::kG1), 11);
  EXPECT_EQ(s.ev().current_cache_size(), 7);
}

TEST(ArcRulesTest, PMovesByTheGhostRatioAtLeastOneAndStopsAtC) {
  Sim<> s(4);
  for (const char* k : {"a", "b", "c", "d"}) s.req(k, 1);
  s.req("a", 1);
  s.req("b", 1);
  s.req("c", 1);  // L1 = [d], L2 = [c, b, a]
  // e: 1 + 0 + 1 <= 4, REPLACE: l1 = 1 > 0: d to G1. f: 1 + 1 + 1 <= 4: e to
  // G1. g: 1 + 2 + 1 <= 4: f to G1. h: 1 + 3 + 1 > 4 and g1 > 0: G1's tail
  // d is dropped, then REPLACE: g to G1.
  EXPECT_EQ(s.req("e", 1), Keys{"d"});
  EXPECT_EQ(s.req("f", 1), Keys{"e"});
  EXPECT_EQ(s.req("g", 1), Keys{"f"});
  EXPECT_EQ(s.req("h", 1), Keys{"g"});
  EXPECT_EQ(s.state(), (State{{"h"}, {"c", "b", "a"}, {"g", "f", "e"}, {}, 0}));
  // g in G1: g2/g1 = 0/3, p = 0 + 1 = 1, before REPLACE looks at p: l1 = 1
  // == p with a G1 flag: L2's tail a to G2.
  EXPECT_EQ(s.req("g", 1), Keys{"a"});
  EXPECT_EQ(s.state(), (State{{"h"}, {"g", "c", "b"}, {"f", "e"}, {"a"}, 1}));
  // f in G1: g2/g1 = 1/2 -> 1, p = 2: b to G2.
  EXPECT_EQ(s.req("f", 1), Keys{"b"});
  EXPECT_EQ(s.state(), (State{{"h"}, {"f", "g", "c"}, {"e"}, {"b", "a"}, 2}));
  // e in G1: g2/g1 = 2/1 = 2, p = 4: c to G2.
  EXPECT_EQ(s.req("e", 1), Keys{"c"});
  EXPECT_EQ(s.state(), (State{{"h"}, {"e", "f", "g"}, {}, {"c", "b", "a"}, 4}));
  // i: 1 + 0 + 1 <= 4; total 1 + 0 + 3 + 3 = 7 < 8; REPLACE: 1 < 4: g to G2.
  EXPECT_EQ(s.req("i", 1), Keys{"g"});
  // j: total 2 + 0 + 2 + 4 = 8 >= 8: G2's tail a is dropped; f to G2.
  EXPECT_EQ(s.req("j", 1), Keys{"f"});
  EXPECT_EQ(s.state(),
            (State{{"j", "i", "h"}, {"e"}, {}, {"f", "g", "c", "b"}, 4}));
  // b in G2: g1/g2 = 0/4 -> 1, p = 3. REPLACE: l1 = 3 == p with this
  // request's G2 flag: L1's tail h to G1.
  EXPECT_EQ(s.req("b", 1), Keys{"h"});
  EXPECT_EQ(s.state(),
            (State{{"j", "i"}, {"b", "e"}, {"h"}, {"f", "g", "c"}, 3}));
  // h in G1: g2/g1 = 3/1 = 3, p = min(3 + 3, C = 4) = 4. REPLACE: e to G2.
  EXPECT_EQ(s.req("h", 1), Keys{"e"});
  EXPECT_EQ(s.state(),
            (State{{"j", "i"}, {"h", "b"}, {}, {"e", "f", "g", "c"}, 4}));
}

TEST(ArcRulesTest, ATooBigGhostRequestMovesPRemovesTheGhostAndIsIllegal) {
  Sim<> s(4);
  page_walk_prefix(s);
  // L1 = [g], L2 = [e, d, a], G1 = [f], G2 = [c, b], p = 2.
  // b(5) > C: the miss's lookup still happens (SIM-SPEC section 1: lookup,
  // then "cannot be admitted: stop"; libCacheSim: find, then can_insert):
  // p = max(2 - max(1/2, 1), 0) = 1, the ghost goes. Nothing is evicted or
  // stored.
  EXPECT_EQ(s.req("b", 5), Keys{});
  EXPECT_EQ(s.last_status(), PutStatus::kIllegal);
  EXPECT_EQ(s.state(), (State{{"g"}, {"e", "d", "a"}, {"f"}, {"c"}, 1}));
  EXPECT_FALSE(s.dict().contains("b"));
  // h: its own request, with no ghost hit: the flags of b's request are gone.
  // 1 + 1 + 1 <= 4; total 6 < 8; REPLACE: l1 = 1 == p but no G2 flag for
  // this request: L2's tail a goes to G2 (libCacheSim at aa0fc40 would still
  // see b's G2 flag and take g), and h goes to L1, not L2.
  EXPECT_EQ(s.req("h", 1), Keys{"a"});
  EXPECT_EQ(s.state(), (State{{"h", "g"}, {"e", "d"}, {"f"}, {"a", "c"}, 1}));
}

TEST(ArcRulesTest, FlagsBelongToOneRequest) {
  Sim<> s(4);
  page_walk_prefix(s);  // G1 = [f], G2 = [c, b]
  PutResult<std::string> r;
  const std::string f = "f";
  s.ev().decide(s.dict(), 5, &f, r);  // too big, but looked up
  EXPECT_EQ(r.status, PutStatus::kIllegal);
  EXPECT_TRUE(s.ev().g1_flag());
  EXPECT_FALSE(s.ev().g2_flag());
  // The next miss resets them before its own lookup.
  const std::string z = "z";
  s.ev().decide(s.dict(), 5, &z, r);
  EXPECT_FALSE(s.ev().g1_flag());
  EXPECT_FALSE(s.ev().g2_flag());
  // A ghost hit's store consumes them.
  const std::string c = "c";
  s.ev().decide(s.dict(), 1, &c, r);  // c in G2
  EXPECT_TRUE(s.ev().g2_flag());
  for (const auto& v : r.evict_keys) s.ev().remove(s.dict(), v);
  s.ev().store(s.dict(), c, obj(1));
  EXPECT_FALSE(s.ev().g2_flag());
  EXPECT_EQ(s.ev().list_of(s.dict(), "c"), L::kL2);
}

// ---------------------------------------------------------------------------
// The interface around the spec.

TEST(ArcInterfaceTest, AHitOfAKeyThatIsNotResidentDoesNothing) {
  Sim<> s(4);
  page_walk_prefix(s);
  const State before = s.state();
  s.ev().update_on_get("zz", s.dict());  // unknown
  s.ev().update_on_get("f", s.dict());   // a ghost in G1
  EXPECT_EQ(s.state(), before);
}

TEST(ArcInterfaceTest, AUserRemovalLeavesNoGhost) {
  Sim<> s(4);
  for (const char* k : {"a", "b", "c"}) s.req(k, 1);
  s.req("a", 1);  // L1 = [c, b], L2 = [a]
  s.ev().remove(s.dict(), "a");
  s.ev().remove(s.dict(), "b");
  EXPECT_EQ(s.state(), (State{{"c"}, {}, {}, {}, 0}));
  EXPECT_EQ(s.ev().list_of(s.dict(), "a"), L::kNone);
  EXPECT_EQ(s.ev().current_cache_size(), 1);
  EXPECT_THROW(s.ev().remove(s.dict(), "zz"), KeyNotFoundError);
  // A ghost is not resident: removing it throws, the ghost stays.
  Sim<> t(4);
  page_walk_prefix(t);
  const State before = t.state();
  EXPECT_THROW(t.ev().remove(t.dict(), "f"), KeyNotFoundError);
  EXPECT_EQ(t.state(), before);
  EXPECT_EQ(t.ev().current_cache_size(), 4);
}

TEST(ArcInterfaceTest, ARePutFreesItsOldBytesIsNeverItsOwnVictimAndGoesToL1) {
  Sim<> s(4);
  for (const char* k : {"a", "b", "c", "d"}) s.req(k, 1);
  s.req("a", 1);  // L1 = [d, c, b], L2 = [a]
  PutResult<std::string> r;
  // Re-put a with 2 bytes: excess 4 - 1 + 2 - 4 = 1. a leaves L2 first (no
  // ghost); then l1 + g1 + s = 3 + 0 + 2 > 4, g1 == 0: b goes outright.
  EXPECT_EQ(put_blocking(s.ev(), s.dict(), std::string("a"), obj(2), 2, r),
            PutStatus::kLegal);
  EXPECT_EQ(r.evict_keys, Keys{"b"});
  EXPECT_EQ(s.state(), (State{{"a", "d", "c"}, {}, {}, {}, 0}));
  EXPECT_EQ(s.dict().keys(), (Keys{"c", "d", "a"}));
  EXPECT_EQ(s.ev().current_cache_size(), 4);
  // The L1 tail c re-put with 4 bytes: everything else goes, never c.
  EXPECT_EQ(put_blocking(s.ev(), s.dict(), std::string("c"), obj(4), 4, r),
            PutStatus::kLegal);
  EXPECT_EQ(r.evict_keys, (Keys{"d", "a"}));
  EXPECT_EQ(s.dict().keys(), Keys{"c"});
  EXPECT_EQ(s.ev().current_cache_size(), 4);
  EXPECT_EQ(s.ev().bytes(L::kL1), 4);
}

TEST(ArcInterfaceTest, NegativeSizesChangeNothing) {
  Sim<> s(4);
  page_walk_prefix(s);
  const State before = s.state();
  PutResult<std::string> r;
  const std::string f = "f";  // a ghost: not even looked up
  s.ev().decide(s.dict(), -1, &f, r);
  EXPECT_EQ(r.status, PutStatus::kIllegal);
  EXPECT_EQ(s.state(), before);
  EXPECT_THROW(s.ev().store(s.dict(), "n", obj(-1)), std::invalid_argument);
  EXPECT_EQ(s.state(), before);
  EXPECT_FALSE(s.dict().contains("n"));
}

// A slot keeps its size in 60 bits beside the list tag: the largest object
// keeps its exact size through insert, hit and ghost moves; one byte more is
// refused (ILLEGAL, nothing changed) even under a limit that would admit it,
// and store() throws for it.
TEST(ArcInterfaceTest, SizesUpToKMaxObjectBytesAreExactAndLargerAreRefused) {
  constexpr std::int64_t kMax = Evictor::kMaxObjectBytes;
  Sim<> s(std::int64_t{1} << 62);  // room for four of the largest
  ASSERT_EQ(s.ev().max_cache_size(), std::int64_t{1} << 62);
  EXPECT_TRUE(s.req("a", kMax).empty());
  EXPECT_EQ(s.last_status(), PutStatus::kLegal);
  EXPECT_TRUE(s.req("b", kMax - 1).empty());
  EXPECT_TRUE(s.req("a", kMax).empty());  // a hit: L1 -> L2
  EXPECT_EQ(s.state(), (State{{"b"}, {"a"}, {}, {}, 0}));
  EXPECT_EQ(s.ev().bytes(L::kL2), kMax);
  EXPECT_EQ(s.ev().bytes(L::kL1), kMax - 1);
  EXPECT_EQ(s.ev().current_cache_size(), 2 * kMax - 1);

  const State before = s.state();
  EXPECT_TRUE(s.req("c", kMax + 1).empty());
  EXPECT_EQ(s.last_status(), PutStatus::kIllegal);
  EXPECT_EQ(s.state(), before);
  EXPECT_EQ(s.ev().current_cache_size(), 2 * kMax - 1);
  EXPECT_THROW(s.ev().store(s.dict(), "c", obj(kMax + 1)),
               std::invalid_argument);
  EXPECT_EQ(s.state(), before);
  EXPECT_FALSE(s.dict().contains("c"));

  // Two more of the largest fill the cache; a fifth evicts one of them,
  // whose exact size leaves the accounting (and, if REPLACE made it a ghost
  // rather than dropping it, is the ghost's size).
  EXPECT_TRUE(s.req("d", kMax).empty());
  EXPECT_TRUE(s.req("e", kMax).empty());
  EXPECT_EQ(s.ev().current_cache_size(), 4 * kMax - 1);
  const Keys victims = s.req("f", kMax);
  ASSERT_EQ(victims.size(), 1u);
  const std::int64_t victim_size = victims[0] == "b" ? kMax - 1 : kMax;
  EXPECT_EQ(s.ev().current_cache_size(), 5 * kMax - 1 - victim_size);
  const std::int64_t ghost_bytes = s.ev().bytes(L::kG1) + s.ev().bytes(L::kG2);
  EXPECT_TRUE(ghost_bytes == 0 || ghost_bytes == victim_size) << ghost_bytes;
}

TEST(ArcInterfaceTest, UpdateOnPutIsNotToldTheKeySoAStoredGhostIsDropped) {
  Sim<> s(4);
  page_walk_prefix(s);  // L1 = [g], L2 = [e, d, a], G1 = [f], G2 = [c, b]
  // update_on_put: no key, no lookup, no flag. 4 + 1 > 4: 1 + 1 + 1 <= 4;
  // total 7 < 8; REPLACE: l1 = 1 < p = 2: a to G2.
  const PutResult<std::string> r = s.ev().update_on_put(s.dict(), 1);
  EXPECT_EQ(r.evict_keys, Keys{"a"});
  s.ev().remove(s.dict(), "a");
  // Storing f, a ghost in G1: the ghost is dropped silently (p stays), f
  // goes to L1.
  s.ev().store(s.dict(), "f", obj(1));
  EXPECT_EQ(s.state(), (State{{"f", "g"}, {"e", "d"}, {}, {"a", "c", "b"}, 2}));
  EXPECT_EQ(s.ev().current_cache_size(), 4);
}

TEST(ArcInterfaceTest, StoreOfAResidentKeyOverwritesInPlace) {
  Sim<> s(8);
  for (const char* k : {"a", "b", "c"}) s.req(k, 1);
  s.req("b", 1);  // L1 = [c, a], L2 = [b]
  s.ev().store(s.dict(), "a", obj(3));
  s.ev().store(s.dict(), "b", obj(2));
  EXPECT_EQ(s.state(), (State{{"c", "a"}, {"b"}, {}, {}, 0}));
  EXPECT_EQ(s.ev().bytes(L::kL1), 4);
  EXPECT_EQ(s.ev().bytes(L::kL2), 2);
  EXPECT_EQ(s.ev().current_cache_size(), 6);
}

// ---------------------------------------------------------------------------
// Pins.

TEST(ArcPinsTest, TheOutrightVictimIsL1sTailMostUnpinnedEntry) {
  Sim<> s(4);
  for (const char* k : {"a", "b", "c", "d"}) s.req(k, 1);
  KeySetPins<std::string> pins;
  pins.pin("a", 1);
  PutResult<std::string> r;
  const std::string e = "e";
  // 4 + 0 + 1 > 4, g1 == 0: outright, skipping the pinned tail a.
  s.ev().decide(s.dict(), 1, &e, r, pins);
  EXPECT_EQ(r.status, PutStatus::kLegal);
  EXPECT_EQ(r.evict_keys, Keys{"b"});
  EXPECT_EQ(s.ev().list_of(s.dict(), "b"), L::kNone);
}

TEST(ArcPinsTest, ReplaceSkipsPinnedTailsAndFallsBackToTheOtherList) {
  Sim<> s(4);
  s.req("a", 1);
  s.req("a", 1);
  for (const char* k : {"b", "c", "d"}) s.req(k, 1);
  // L1 = [d, c, b], L2 = [a]. e: 3 + 0 + 1 <= 4; REPLACE names L1 (3 > 0).
  KeySetPins<std::string> pins;
  pins.pin("b", 1);
  PutResult<std::string> r;
  const std::string e = "e";
  s.ev().decide(s.dict(), 1, &e, r, pins);
  EXPECT_EQ(r.evict_keys, Keys{"c"});  // b pinned: the next one toward the head
  EXPECT_EQ(s.ev().list_of(s.dict(), "c"), L::kG1);
  s.ev().remove(s.dict(), "c");
  s.ev().store(s.dict(), "e", obj(1));
  // L1 = [e, d, b], all pinned now. f: 3 + 1 + 1 > 4, g1 > 0: drop c, then
  // REPLACE names L1, which has nothing evictable: L2's tail a goes, to G2.
  pins.pin("d", 1);
  pins.pin("e", 1);
  const std::string f = "f";
  s.ev().decide(s.dict(), 1, &f, r, pins);
  EXPECT_EQ(r.evict_keys, Keys{"a"});
  EXPECT_EQ(s.ev().list_of(s.dict(), "a"), L::kG2);
  EXPECT_EQ(s.ev().list_of(s.dict(), "c"), L::kNone);
}

TEST(ArcPinsTest, AnUnsatisfiablePutIsIllegalAndOnlyTheLookupHappened) {
  Sim<> s(4);
  page_walk_prefix(s);  // L1 = [g], L2 = [e, d, a], G1 = [f], G2 = [c, b]
  KeySetPins<std::string> pins;
  for (const char* k : {"g", "e", "d"}) pins.pin(k, 1);
  PutResult<std::string> r;
  // z(2) needs 2 bytes, only a (1 byte) is evictable: ILLEGAL, no change.
  const State before = s.state();
  const std::string z = "z";
  s.ev().decide(s.dict(), 2, &z, r, pins);
  EXPECT_EQ(r.status, PutStatus::kIllegal);
  EXPECT_TRUE(r.evict_keys.empty());
  EXPECT_EQ(s.state(), before);
  EXPECT_EQ(s.dict().keys(), (Keys{"g", "a", "d", "e"}));
  // f(2), a ghost in G1: the lookup happened (p = 2 + max(2/1, 1) = 4, the
  // ghost is gone), the rest did not.
  const std::string f = "f";
  s.ev().decide(s.dict(), 2, &f, r, pins);
  EXPECT_EQ(r.status, PutStatus::kIllegal);
  EXPECT_EQ(s.state(), (State{{"g"}, {"e", "d", "a"}, {}, {"c", "b"}, 4}));
  EXPECT_EQ(s.ev().current_cache_size(), 4);
}

TEST(ArcPinsTest, ARePutOfAPinnedKeyStillFreesItsOldBytes) {
  Sim<> s(4);
  for (const char* k : {"a", "b", "c", "d"}) s.req(k, 1);
  KeySetPins<std::string> pins;
  for (const char* k : {"a", "b", "c"}) pins.pin(k, 1);
  PutResult<std::string> r;
  const std::string a = "a";
  // a(2): excess 1; evictable: d only (a's old byte is pinned).
  s.ev().decide(s.dict(), 2, &a, r, pins);
  EXPECT_EQ(r.evict_keys, Keys{"d"});
  // a(3): excess 2 > the 1 evictable byte: ILLEGAL.
  Sim<> t(4);
  for (const char* k : {"a", "b", "c", "d"}) t.req(k, 1);
  t.ev().decide(t.dict(), 3, &a, r, pins);
  EXPECT_EQ(r.status, PutStatus::kIllegal);
}

// ---------------------------------------------------------------------------
// candidates: decide's eviction step, for no request (no ghost hit, s = 0).

TEST(ArcCandidatesTest, SameStepAsDecideWithSZeroAndFewerWhenPinned) {
  Sim<> s(4);
  for (const char* k : {"a", "b", "c", "d"}) s.req(k, 1);
  KeySetPins<std::string> pins;
  pins.pin("b", 1);
  pins.pin("d", 1);
  std::vector<std::string> out;
  // 1: l1 + g1 + 0 = 4 <= 4 (with s = 1 it would be the outright case);
  //    total 4 < 8; REPLACE: a to G1.
  // 2: 3 + 1 + 0 <= 4; REPLACE: L1's tail b is pinned: c to G1.
  // 3: REPLACE names L1 = [d, b], all pinned, and L2 is empty: stop.
  s.ev().candidates(s.dict(), 4, pins, out);
  EXPECT_EQ(out, (Keys{"a", "c"}));
  for (const auto& k : out) s.ev().remove(s.dict(), k);
  EXPECT_EQ(s.state(), (State{{"d", "b"}, {}, {"c", "a"}, {}, 0}));
  EXPECT_EQ(s.dict().keys(), (Keys{"b", "d"}));
  // Without pins it takes what is there.
  s.ev().candidates(s.dict(), 5, NoPins{}, out);
  EXPECT_EQ(out, (Keys{"b", "d"}));
}

// ---------------------------------------------------------------------------
// Parameters and construction.

TEST(ArcParamsTest, TakesNoParametersAndNamesAnUnknownOne) {
  const Evictor def;
  EXPECT_EQ(def.max_cache_size(), std::int64_t{10} << 30);
  EXPECT_EQ(Evictor(gb(4096), PolicyParams("arc")).max_cache_size(), 4096);
  PolicyParams params("arc");
  params.set("p", "3");
  try {
    Evictor e(1.0, params);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "arc.p");
  }
  try {
    Evictor e(-1.0);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "max_cache_size_gb");
  }
  static_assert(ARCPolicy::kTraits.name == "arc");
}

TEST(ArcMemoryTest, OneObjectSizeKeepsClassicalARCsBoundOf2C) {
  // 64 KiB = 16 objects of 4 KiB, a skewed stream over 100000 ids: with one
  // size, ARC's |L1| + |L2| + |G1| + |G2| <= 2c holds after every request.
  // Ghosts appear only once L1 + L2 is full (c objects), and it stays full,
  // so they never number more than c; a ghost's node is freed (drop, ghost
  // hit) before each new one is taken, so the ghost slab never holds more
  // than c = 16 nodes.
  Sim<> s(65536);
  std::mt19937 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const int id = static_cast<int>(
        std::min(99999.0, std::exponential_distribution<>(1.0 / 60)(rng)));
    s.req(std::to_string(id), 4096);
    ASSERT_LE(s.ev().bytes(L::kL1) + s.ev().bytes(L::kL2) +
                  s.ev().bytes(L::kG1) + s.ev().bytes(L::kG2),
              2 * 65536)
        << i;
  }
  EXPECT_LE(s.ev().slab_size(), 16u);
}

TEST(ArcMemoryTest, TheGhostSlabIsThePeakOfGhostsAndNodesAreReused) {
  // Variable sizes: SIM-SPEC's rule does not bound G1 + G2 by 2C (a ghost
  // hit evicts k >= 1 objects into the ghost lists and removes one ghost;
  // G2 is trimmed only when l1 + g1 + s <= C). The ghost slab still holds
  // exactly the most ghosts ARC held at once: every freed node is reused
  // (the resident objects' slots are the dict's entries).
  Sim<> s(65536);
  std::mt19937 rng(7);
  std::size_t peak = 0;
  for (int i = 0; i < 200000; ++i) {
    const int id = static_cast<int>(
        std::min(3999.0, std::exponential_distribution<>(1.0 / 600)(rng)));
    s.req(std::to_string(id), 512 * (1 + id % 8));
    peak = std::max(peak, s.ev().count(L::kG1) + s.ev().count(L::kG2));
    ASSERT_EQ(s.ev().tracked_ids(),
              s.dict().size() + s.ev().count(L::kG1) + s.ev().count(L::kG2))
        << i;
  }
  EXPECT_EQ(s.ev().slab_size(), peak);
}

// ---------------------------------------------------------------------------
// Random operations against the model, over every dict.

template <class DictSel>
class ArcModelTest : public ::testing::Test {};
using DictSels = ::testing::Types<FlatDict, AbslDict, NodeDict, NaiveDict>;
TYPED_TEST_SUITE(ArcModelTest, DictSels);

TYPED_TEST(ArcModelTest, RandomOperationsMatchTheModel) {
  using D = typename TypeParam::template Type<std::string, KVObject>;
  constexpr std::int64_t kMax = 16384;
  constexpr std::int64_t kSizes[] = {512,  1024, 2048,     4096,
                                     6144, 8192, kMax + 1, -512};
  for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    D dict;
    ARCEvictor<D> ev(gb(kMax));
    testing::ARCModel model(ARCPolicy::kTraits, kMax);
    KeySetPins<std::string> pins;
    testing::ARCModel::Pinned pinned;
    PutResult<std::string> scratch;
    std::vector<std::string> cands;
    std::mt19937 rng(seed);
    auto pick = [&](int n) {
      return std::uniform_int_distribution<int>(0, n - 1)(rng);
    };
    auto unpin = [&](const std::string& key) {
      if (pinned.erase(key)) pins.unpin(key, get_size(*dict.find(key)));
    };
    for (int op = 0; op < 4000; ++op) {
      const std::string key = "k" + std::to_string(pick(14));
      const int what = pick(20);
      testing::Outcome actual, expected;
      std::string name;
      if (what < 9) {
        name = "put";
        const std::int64_t size = kSizes[pick(op % 50 == 0 ? 8 : 7)];
        if (dict.contains(key)) unpin(key);  // the caller re-puts it
        // caller.h's loop, with pins.
        ev.decide(dict, size, &key, scratch, pins);
        actual.status = scratch.status;
        if (scratch.status == PutStatus::kLegal) {
          actual.victims = scratch.evict_keys;
          if (dict.contains(key)) ev.remove(dict, key);
          for (const auto& v : scratch.evict_keys) {
            ASSERT_FALSE(pins.pinned(v)) << "op " << op;
            ev.remove(dict, v);
          }
          ev.store(dict, key, obj(size));
        }
        expected = model.put(key, size, pinned);
      } else if (what < 15) {
        name = "hit";
        ev.update_on_get(key, dict);
        expected = model.hit(key);
      } else if (what < 17) {
        name = "pop";
        if (dict.contains(key)) unpin(key);
        try {
          ev.remove(dict, key);
        } catch (const KeyNotFoundError&) {
          actual.error = "KeyError";
        }
        expected = model.pop(key);
      } else if (what < 19) {
        name = "pin";
        if (const KVObject* v = dict.find(key); v != nullptr) {
          if (pinned.insert(key).second) pins.pin(key, get_size(*v));
        } else if (pinned.count(key)) {
          FAIL() << "a pinned key left the cache";
        }
        if (pick(3) == 0) {  // and sometimes unpin another
          const std::string other = "k" + std::to_string(pick(14));
          if (dict.contains(other)) unpin(other);
        }
      } else {
        name = "candidates";
        const std::size_t n = static_cast<std::size_t>(pick(4));
        ev.candidates(dict, n, pins, cands);
        for (const auto& v : cands) {
          ASSERT_FALSE(pins.pinned(v)) << "op " << op;
          ev.remove(dict, v);
        }
        actual.victims = cands;
        expected.victims = model.candidates(n, pinned);
      }
      SCOPED_TRACE(::testing::Message()
                   << "op " << op << " " << name << " " << key);
      ASSERT_EQ(actual, expected);
      ASSERT_EQ(dict.keys(), model.keys());
      ASSERT_EQ(static_cast<double>(ev.current_cache_size()), model.current());
      ASSERT_EQ(ev.p(), model.p());
      for (L l : {L::kL1, L::kL2, L::kG1, L::kG2}) {
        ASSERT_EQ(ev.keys_of(dict, l), model.list(l)) << static_cast<int>(l);
        ASSERT_EQ(ev.bytes(l), model.bytes(l)) << static_cast<int>(l);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// libCacheSim's numbers.
//
// From libCacheSim at commit aa0fc40914b2b786f4b9f4dafb099f8f332b216a, its
// cachesim main with a local patch that prints the exact counters
// (/tmp/lcs/counts/cachesim_counts, see /tmp/lcs/README), run as
//   cachesim_counts cloudPhysicsIO.oracleGeneral.bin oracleGeneral arc
//     134217728,268435456,...,1073741824 --num-thread 1
//   cachesim_counts cloudPhysicsIO.oracleGeneral.bin oracleGeneral arc
//     100,1000,5000 --ignore-obj-size 1 --num-thread 1
// (the unpatched cachesim prints the same miss ratios).
struct Expected {
  std::uint64_t cache_size;
  std::uint64_t n_miss;
  std::uint64_t n_miss_byte;
};

TEST(ArcLibCacheSimTest, CloudPhysicsMatchesCachesimAt128MiBTimes1To8) {
  const sim::Trace trace = sim::read_trace(EVICTLAB_SOURCE_DIR
                                           "/../shared/traces/libcachesim/"
                                           "cloudPhysicsIO.oracleGeneral.bin",
                                           sim::TraceFormat::kOracleGeneral);
  constexpr std::uint64_t kMiB = 1 << 20;
  const Expected expected[] = {
      {128 * kMiB, 90252, 4068098560}, {256 * kMiB, 85861, 3821026816},
      {384 * kMiB, 78168, 3525644800}, {512 * kMiB, 74297, 3296890368},
      {640 * kMiB, 67381, 2868538880}, {768 * kMiB, 65685, 2771180032},
      {896 * kMiB, 64439, 2699484672}, {1024 * kMiB, 64772, 2712971264},
  };
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.cache_size);
    const sim::SimResult r =
        sim::replay<ARCPolicy>(trace, e.cache_size, sim::SimOptions{});
    EXPECT_EQ(r.n_req, 113872u);
    EXPECT_EQ(r.n_req_byte, 4368040448u);
    EXPECT_EQ(r.n_miss, e.n_miss);
    EXPECT_EQ(r.n_miss_byte, e.n_miss_byte);
  }
  sim::SimOptions objects;
  objects.ignore_obj_size = true;
  for (const Expected& e :
       {Expected{100, 97330, 97330}, Expected{1000, 94027, 94027},
        Expected{5000, 87770, 87770}}) {
    SCOPED_TRACE(e.cache_size);
    const sim::SimResult r =
        sim::replay<ARCPolicy>(trace, e.cache_size, objects);
    EXPECT_EQ(r.n_miss, e.n_miss);
    EXPECT_EQ(r.n_miss_byte, e.n_miss_byte);
  }
}

}  // namespace
}  // namespace evictlab
