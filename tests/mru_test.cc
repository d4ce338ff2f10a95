// mru's pinned run (internal/ordered_evictor.h, "PERFORMANCE: the pinned
// run"): a walk under a Pins with unpin_epoch() remembers the run of pinned
// entries it passed at the newest end and jumps over it next time. These
// tests hold it to the plain walk exactly:
// - a randomized differential test: two mru evictors over two dicts driven
//   by the same random calls (stores through put_best_effort, pinned
//   put_blocking, decide, candidates, removals, update_on_get, hit, pins
//   and unpins, the pins object switched), one under the real pins (the
//   run) and one under the same pins without unpin_epoch() (the plain
//   walk), with the same victims, statuses, order and size after every
//   step, over both dicts with entry numbers and both kinds of pins;
// - one hand-worked case per rule that forgets the run (H removed and its
//   number reused, T's number reused, H promoted, T promoted, the epoch
//   moved, another pins object, another dict), each built so that a run
//   kept too long gives a wrong victim, and the rule that keeps it (a
//   middle entry promoted or removed);
// - the point of it: a request's stores cost O(1) pinned() checks each.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "evictlab/caller.h"
#include "evictlab/dicts.h"
#include "evictlab/kv_object.h"
#include "evictlab/mru_evictor.h"
#include "evictlab/pins.h"

namespace evictlab {
namespace {

using Keys = std::vector<std::uint64_t>;

// The same pins without unpin_epoch(): the evictor walks plain.
template <class P>
struct PlainPins {
  const P* pins;
  bool pinned(std::uint64_t key) const { return pins->pinned(key); }
  std::int64_t pinned_bytes() const { return pins->pinned_bytes(); }
};
static_assert(!kHasUnpinEpoch<PlainPins<RequestPins<std::uint64_t>>>);

// The plain walk's pins, counting pinned() calls.
template <class P>
struct CountingPlainPins {
  const P* pins;
  std::size_t* calls;
  bool pinned(std::uint64_t key) const {
    ++*calls;
    return pins->pinned(key);
  }
  std::int64_t pinned_bytes() const { return pins->pinned_bytes(); }
};

// The same pins, counting pinned() calls.
template <class P>
struct CountingPins {
  const P* pins;
  std::size_t* calls;
  bool pinned(std::uint64_t key) const {
    ++*calls;
    return pins->pinned(key);
  }
  std::int64_t pinned_bytes() const { return pins->pinned_bytes(); }
  PinEpoch unpin_epoch() const { return pins->unpin_epoch(); }
};

template <class DictTag>
using DictOf = typename DictTag::template Type<std::uint64_t, SizedObject>;

std::string show(const Keys& keys) {
  std::string out = "[";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    out += (i ? " " : "") + std::to_string(keys[i]);
  }
  return out + "]";
}

// ---------------------------------------------------------------------------
// Differential: the run against the plain walk.

// KeySetPins and RequestPins behind one face: pin, unpin one key (KeySetPins
// only; RequestPins can only unpin all), unpin all.
template <class P>
struct PinOps;
template <>
struct PinOps<RequestPins<std::uint64_t>> {
  static constexpr bool kPerKey = false;
  static void unpin(RequestPins<std::uint64_t>&, std::uint64_t, std::int64_t) {}
  static void unpin_all(RequestPins<std::uint64_t>& p) { p.unpin_all(); }
};
template <>
struct PinOps<KeySetPins<std::uint64_t>> {
  static constexpr bool kPerKey = true;
  static void unpin(KeySetPins<std::uint64_t>& p, std::uint64_t k,
                    std::int64_t size) {
    p.unpin(k, size);
  }
  static void unpin_all(KeySetPins<std::uint64_t>& p) { p.clear(); }
};

// Adds to `saved` the pinned() checks the run saved over the plain walk in
// the put_best_effort steps (so that the test shows the run was used).
template <class DictTag, class P>
void differential(std::uint32_t seed, int steps, std::size_t& saved) {
  using Dict = DictOf<DictTag>;
  using Evictor = MRUEvictor<Dict>;
  std::mt19937 rng(seed);
  auto below = [&](std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng);
  };
  constexpr std::int64_t kLimit = 40;
  constexpr std::uint64_t kKeySpace = 64;
  Dict d_run, d_plain;
  Evictor e_run = Evictor::with_max_bytes(kLimit);
  Evictor e_plain = Evictor::with_max_bytes(kLimit);
  // Two pins objects: most steps use `pins[cur]`, and now and then the
  // other one (a different object: its epoch never equals the first's).
  P pins[2];
  int cur = 0;
  PutResult<std::uint64_t> r_run, r_plain;
  std::vector<std::uint64_t> c_run, c_plain;
  auto resident = [&]() -> std::uint64_t {
    const Keys keys = d_run.keys();
    return keys.empty() ? kKeySpace + 1 : keys[below(keys.size())];
  };
  for (int step = 0; step < steps; ++step) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " step " +
                 std::to_string(step));
    P& p = pins[cur];
    const PlainPins<P> plain{&p};
    const std::uint64_t op = below(100);
    const std::uint64_t key = below(kKeySpace);
    const std::int64_t size = 1 + static_cast<std::int64_t>(below(4));
    std::string what;
    if (op < 30) {
      // The KV store of a missing block, pinned once stored.
      if (d_run.contains(key)) continue;
      what = "put_best_effort " + std::to_string(key);
      std::size_t calls = 0;
      const CountingPins<P> counting{&p, &calls};
      const PutStatus s_run =
          put_best_effort(e_run, d_run, key, size, r_run, counting,
                          [&]() -> SizedObject { return SizedObject{size}; });
      std::size_t plain_calls = 0;
      const CountingPlainPins<P> counting_plain{&p, &plain_calls};
      const PutStatus s_plain =
          put_best_effort(e_plain, d_plain, key, size, r_plain, counting_plain,
                          [&]() -> SizedObject { return SizedObject{size}; });
      ASSERT_EQ(s_run, s_plain) << what;
      ASSERT_EQ(r_run.evict_keys, r_plain.evict_keys) << what;
      ASSERT_LE(calls, plain_calls) << what;
      saved += plain_calls - calls;
      if (s_run == PutStatus::kLegal && below(4) != 0) p.pin(key, size);
    } else if (op < 40) {
      // LMCache's all-or-nothing put, the incoming key possibly resident
      // (and pinned: then the caller would not put it; decide still must
      // agree).
      what = "decide " + std::to_string(key);
      e_run.decide(d_run, size, &key, r_run, p);
      e_plain.decide(d_plain, size, &key, r_plain, plain);
      ASSERT_EQ(r_run.status, r_plain.status) << what;
      ASSERT_EQ(r_run.evict_keys, r_plain.evict_keys) << what;
      if (r_run.status == PutStatus::kLegal && !p.pinned(key)) {
        what = "put_blocking " + std::to_string(key);
        const SizedObject value{size};
        ASSERT_EQ(
            put_blocking(e_run, d_run, key, value, size, r_run, p),
            put_blocking(e_plain, d_plain, key, value, size, r_plain, plain));
        ASSERT_EQ(r_run.evict_keys, r_plain.evict_keys) << what;
      }
    } else if (op < 45) {
      what = "candidates";
      const std::size_t n = below(6);
      e_run.candidates(d_run, n, p, c_run);
      e_plain.candidates(d_plain, n, plain, c_plain);
      ASSERT_EQ(c_run, c_plain) << what;
    } else if (op < 55) {
      // A removal, pinned or not (the run must survive or forget it).
      const std::uint64_t k = resident();
      if (k > kKeySpace) continue;
      what = "remove " + std::to_string(k);
      if (PinOps<P>::kPerKey && below(2) == 0) {
        PinOps<P>::unpin(p, k, d_run.find(k)->size);
      }
      ASSERT_EQ(e_run.remove(d_run, k).size, e_plain.remove(d_plain, k).size);
    } else if (op < 65) {
      const std::uint64_t k = below(3) == 0 ? key : resident();
      what = "update_on_get " + std::to_string(k);
      const bool present = d_plain.contains(k);
      if (present) {
        e_run.update_on_get(k, d_run);
        e_plain.update_on_get(k, d_plain);
      } else {
        ASSERT_THROW(e_run.update_on_get(k, d_run), KeyNotFoundError);
        ASSERT_THROW(e_plain.update_on_get(k, d_plain), KeyNotFoundError);
      }
    } else if (op < 75) {
      const std::uint64_t k = below(2) == 0 ? key : resident();
      what = "hit " + std::to_string(k);
      ASSERT_EQ(e_run.hit(d_run, k), e_plain.hit(d_plain, k)) << what;
    } else if (op < 85) {
      const std::uint64_t k = resident();
      if (k > kKeySpace) continue;
      what = "pin " + std::to_string(k);
      p.pin(k, d_run.find(k)->size);
    } else if (op < 88) {
      // Storing over a resident key keeps its entry and position.
      const std::uint64_t k = resident();
      if (k > kKeySpace) continue;
      what = "store over " + std::to_string(k);
      const std::int64_t old = d_run.find(k)->size;
      e_run.store(d_run, k, SizedObject{old});
      e_plain.store(d_plain, k, SizedObject{old});
    } else if (op < 92 && PinOps<P>::kPerKey) {
      const std::uint64_t k = resident();
      if (k > kKeySpace) continue;
      what = "unpin " + std::to_string(k);
      PinOps<P>::unpin(p, k, d_run.find(k)->size);
    } else if (op < 97) {
      what = "unpin all";
      PinOps<P>::unpin_all(p);
    } else {
      what = "switch pins";
      cur = 1 - cur;
    }
    ASSERT_EQ(d_run.keys(), d_plain.keys()) << "after " << what;
    ASSERT_EQ(e_run.current_cache_size(), e_plain.current_cache_size())
        << "after " << what;
  }
}

template <class DictTag>
class MruRunDifferential : public ::testing::Test {};
using RunDicts = ::testing::Types<FlatDict, AbslDict>;
TYPED_TEST_SUITE(MruRunDifferential, RunDicts);

TYPED_TEST(MruRunDifferential, RequestPinsAgreeWithThePlainWalk) {
  std::size_t saved = 0;
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    differential<TypeParam, RequestPins<std::uint64_t>>(seed, 3000, saved);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(saved, 2000u);  // the run was used, not only forgotten
}

TYPED_TEST(MruRunDifferential, KeySetPinsAgreeWithThePlainWalk) {
  std::size_t saved = 0;
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    differential<TypeParam, KeySetPins<std::uint64_t>>(seed, 3000, saved);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(saved, 2000u);
}

// ---------------------------------------------------------------------------
// Hand-worked cases. Every object is 1 byte; the limit is the stored count,
// so a put of `n` bytes needs n victims. Keys 1..6 are stored in order (the
// dict reads 1 2 3 4 5 6, oldest first), 4 5 6 pinned, and a first walk
// (asking for 1 byte) passes 6 5 4 and takes 3: the run is H = 6, T = 4.

using Flat = DictOf<FlatDict>;
using Mru = MRUEvictor<Flat>;

struct Hand {
  Flat dict;
  Mru evictor = Mru::with_max_bytes(6);
  RequestPins<std::uint64_t> pins;
  PutResult<std::uint64_t> result;

  Hand() {
    for (std::uint64_t k = 1; k <= 6; ++k) evictor.store(dict, k, {1});
    for (std::uint64_t k = 4; k <= 6; ++k) pins.pin(k, 1);
    EXPECT_EQ(victims(1), (Keys{3}));
  }
  // decide_best_effort for `bytes` more, under `p`; the victims, not removed.
  template <class P>
  Keys victims_under(std::int64_t bytes, const P& p) {
    evictor.decide_best_effort(dict, bytes, nullptr, result, p);
    return result.evict_keys;
  }
  Keys victims(std::int64_t bytes) { return victims_under(bytes, pins); }
  // The same question of the plain walk (the oracle).
  Keys plain_victims(std::int64_t bytes) {
    return victims_under(bytes, PlainPins<RequestPins<std::uint64_t>>{&pins});
  }
  // pinned() checks of one walk.
  std::size_t checks(std::int64_t bytes) {
    std::size_t calls = 0;
    victims_under(bytes,
                  CountingPins<RequestPins<std::uint64_t>>{&pins, &calls});
    return calls;
  }
  // Makes room for and stores `key` (1 byte), unpinned.
  void store(std::uint64_t key) {
    put_best_effort(evictor, dict, key, 1, result, pins,
                    []() -> SizedObject { return SizedObject{1}; });
  }
};

TEST(MruPinnedRun, JumpsOverTheRunItPassed) {
  Hand h;
  // 6 is H: the walk checks nothing in 6..4 and takes 3, which is unpinned
  // (one check; the plain walk checks 6, 5, 4 and 3).
  EXPECT_EQ(h.checks(1), 1u);
  EXPECT_EQ(h.victims(2), (Keys{3, 2}));
  EXPECT_EQ(h.plain_victims(2), (Keys{3, 2}));
}

TEST(MruPinnedRun, ExtendsTheRunOverNewPinnedEntries) {
  Hand h;
  h.store(7);  // evicts 3; 7 is newest
  h.pins.pin(7, 1);
  EXPECT_EQ(h.dict.keys(), (Keys{1, 2, 4, 5, 6, 7}));
  // 7 is checked, then the jump from 6 lands on 2 (checked): two.
  EXPECT_EQ(h.checks(1), 2u);
  EXPECT_EQ(h.victims(1), (Keys{2}));
  // That walk remembered 7..4: now only 2 is checked.
  EXPECT_EQ(h.checks(1), 1u);
}

TEST(MruPinnedRun, ForgetsItWhenHIsRemovedAndItsNumberReused) {
  Hand h;
  const auto h_entry = h.dict.find_entry(6);
  h.evictor.remove(h.dict, 6);  // still "pinned" by key: no matter
  h.evictor.store(h.dict, 7, {1});
  ASSERT_EQ(h.dict.find_entry(7), h_entry);  // 7 took H's number
  // 7 is unpinned and newest: it goes. A run kept would jump from 7 (H's
  // number) to 3.
  EXPECT_EQ(h.victims(1), (Keys{7}));
  EXPECT_EQ(h.plain_victims(1), (Keys{7}));
}

TEST(MruPinnedRun, ForgetsItWhenTsNumberIsReused) {
  Hand h;
  h.evictor.store(h.dict, 8, {1});  // newest, unpinned
  const auto t_entry = h.dict.find_entry(4);
  h.evictor.remove(h.dict, 4);
  h.evictor.store(h.dict, 9, {1});  // takes T's number
  ASSERT_EQ(h.dict.find_entry(9), t_entry);
  h.pins.pin(9, 1);
  h.evictor.remove(h.dict, 1);  // room for the two below: 6 stored, limit 6
  EXPECT_EQ(h.dict.keys(), (Keys{2, 3, 5, 6, 8, 9}));
  // 9 pinned, 8 goes, 6 5 pinned, 3 goes. A run kept would jump from 6 to
  // T's old number (now 9) and take 8 twice.
  EXPECT_EQ(h.victims(2), (Keys{8, 3}));
  EXPECT_EQ(h.plain_victims(2), (Keys{8, 3}));
}

TEST(MruPinnedRun, ForgetsItWhenHIsPromoted) {
  Hand h;
  h.evictor.remove(h.dict, 1);
  h.evictor.store(h.dict, 7, {1});  // newest, unpinned
  ASSERT_TRUE(h.evictor.hit(h.dict, 6));
  EXPECT_EQ(h.dict.keys(), (Keys{2, 3, 4, 5, 7, 6}));
  // 6 pinned, 7 goes. A run kept would jump from 6 straight to 3.
  EXPECT_EQ(h.victims(1), (Keys{7}));
}

TEST(MruPinnedRun, ForgetsItWhenTIsPromoted) {
  Hand h;
  h.evictor.remove(h.dict, 1);
  h.evictor.store(h.dict, 7, {1});  // newest, unpinned
  h.evictor.update_on_get(4, h.dict);
  EXPECT_EQ(h.dict.keys(), (Keys{2, 3, 5, 6, 7, 4}));
  // 4 pinned, 7 goes, 6 5 pinned, 3 goes. A run kept would jump from 6 to
  // T (4, now newest) and take 7 twice.
  EXPECT_EQ(h.victims(2), (Keys{7, 3}));
}

TEST(MruPinnedRun, KeepsItWhenAMiddleEntryIsPromotedOrRemoved) {
  Hand h;
  ASSERT_TRUE(h.evictor.hit(h.dict, 5));  // 6 4 stay contiguous and pinned
  EXPECT_EQ(h.dict.keys(), (Keys{1, 2, 3, 4, 6, 5}));
  // 5 is checked (newer than H), the jump from 6 lands on 3: two checks.
  EXPECT_EQ(h.checks(1), 2u);
  EXPECT_EQ(h.victims(1), (Keys{3}));
  Hand g;
  g.evictor.remove(g.dict, 5);  // the run's middle: 6 4 now adjacent
  // 5 of 6 bytes stored: 3 more need two victims, 3 and 2, the only checks.
  EXPECT_EQ(g.checks(3), 2u);
  EXPECT_EQ(g.victims(3), (Keys{3, 2}));
}

TEST(MruPinnedRun, ForgetsItWhenTheEpochMoves) {
  Hand h;
  h.pins.unpin_all();
  h.pins.pin(4, 1);
  h.pins.pin(6, 1);
  // 5 is unpinned now: it goes. A run kept would jump from 6 to 3.
  EXPECT_EQ(h.victims(1), (Keys{5}));

  // The same with a per-key unpin.
  Flat dict;
  Mru evictor = Mru::with_max_bytes(6);
  KeySetPins<std::uint64_t> pins;
  for (std::uint64_t k = 1; k <= 6; ++k) evictor.store(dict, k, {1});
  for (std::uint64_t k = 4; k <= 6; ++k) pins.pin(k, 1);
  PutResult<std::uint64_t> r;
  evictor.decide_best_effort(dict, 1, nullptr, r, pins);
  EXPECT_EQ(r.evict_keys, (Keys{3}));
  pins.unpin(5, 1);
  evictor.decide_best_effort(dict, 1, nullptr, r, pins);
  EXPECT_EQ(r.evict_keys, (Keys{5}));
}

TEST(MruPinnedRun, ForgetsItUnderAnotherPinsObject) {
  Hand h;
  RequestPins<std::uint64_t> other;  // same keys but 5: a different object
  other.pin(4, 1);
  other.pin(6, 1);
  EXPECT_EQ(h.victims_under(1, other), (Keys{5}));
  // And back: the walk under `other` replaced the run; 6..4 is passed again.
  EXPECT_EQ(h.victims(1), (Keys{3}));
}

TEST(MruPinnedRun, BelongsToOneDict) {
  Hand h;
  // A second dict with the same entry numbers, where 50 stands in 5's place
  // unpinned. A run taken for this dict would jump from 6 to 3.
  Flat other;
  for (const std::uint64_t k : {1, 2, 3, 4, 50, 6})
    other.set(k, SizedObject{1});
  Mru copy = h.evictor;  // a copy starts without a run
  PutResult<std::uint64_t> r;
  copy.decide_best_effort(other, 1, nullptr, r, h.pins);
  EXPECT_EQ(r.evict_keys, (Keys{50}));
  // The evictor itself, asked about the other dict (outside its contract,
  // but no wrong answer either).
  h.evictor.decide_best_effort(other, 1, nullptr, r, h.pins);
  EXPECT_EQ(r.evict_keys, (Keys{50}));
  // A moved evictor starts without a run as well.
  Mru moved = std::move(copy);
  moved.decide_best_effort(other, 1, nullptr, r, h.pins);
  EXPECT_EQ(r.evict_keys, (Keys{50}));
}

TEST(MruPinnedRun, DecideUsesTheRunWithAResidentIncomingKey) {
  Hand h;
  // Re-putting 5 (pinned, inside the run) with 2 bytes: its old byte is
  // counted, one more is needed: 3. The walk jumps over 6..4.
  const std::uint64_t five = 5;
  h.evictor.decide(h.dict, 2, &five, h.result, h.pins);
  EXPECT_EQ(h.result.status, PutStatus::kLegal);
  EXPECT_EQ(h.result.evict_keys, (Keys{3}));
  // Re-putting 2 (unpinned, below the run) with 3 bytes: 3 and 1 go, 2 is
  // never its own victim.
  const std::uint64_t two = 2;
  h.evictor.decide(h.dict, 3, &two, h.result, h.pins);
  EXPECT_EQ(h.result.evict_keys, (Keys{3, 1}));
  // All or nothing: 4 bytes cannot be found among 3 unpinned ones.
  h.evictor.decide(h.dict, 4, nullptr, h.result, h.pins);
  EXPECT_EQ(h.result.status, PutStatus::kIllegal);
  EXPECT_TRUE(h.result.evict_keys.empty());
  // decide_best_effort keeps every unpinned key, in order.
  EXPECT_EQ(h.victims(4), (Keys{3, 2, 1}));
}

// ---------------------------------------------------------------------------
// The point: in the KV request loop (pin the hits, promote them, store the
// misses one by one, each pinned), a store costs O(1) pinned() checks, not
// O(blocks stored so far in the request).

TEST(MruPinnedRun, ARequestsStoresCostConstantChecksEach) {
  constexpr std::uint64_t kCache = 1000;
  constexpr std::uint64_t kRequest = 600;
  Flat dict;
  Mru evictor = Mru::with_max_bytes(kCache);
  RequestPins<std::uint64_t> pins;
  PutResult<std::uint64_t> result;
  for (std::uint64_t k = 0; k < kCache; ++k) evictor.store(dict, k, {1});
  // 100 hits: pinned and promoted, last first.
  for (std::uint64_t k = 0; k < 100; ++k) pins.pin(k * 7, 1);
  for (std::uint64_t k = 100; k-- > 0;) ASSERT_TRUE(evictor.hit(dict, k * 7));
  std::size_t calls = 0;
  const CountingPins<RequestPins<std::uint64_t>> counting{&pins, &calls};
  for (std::uint64_t k = kCache; k < kCache + kRequest; ++k) {
    ASSERT_EQ(put_best_effort(evictor, dict, k, 1, result, counting,
                              []() -> SizedObject { return SizedObject{1}; }),
              PutStatus::kLegal);
    ASSERT_EQ(result.evict_keys.size(), 1u);
    pins.pin(k, 1);
  }
  // The plain walk checks 100 + i entries on store i (about 240,000 in all);
  // the run, the new block, the victim and the first walk's 100 hits.
  // (Exactly 100 + 1 for the first store and 2 for each other one.)
  EXPECT_LE(calls, 3 * kRequest + 100) << calls;
  // And the same victims as the plain walk, on a fresh copy of the run.
  Flat d2;
  Mru e2 = Mru::with_max_bytes(kCache);
  RequestPins<std::uint64_t> p2;
  for (std::uint64_t k = 0; k < kCache; ++k) e2.store(d2, k, {1});
  for (std::uint64_t k = 0; k < 100; ++k) p2.pin(k * 7, 1);
  for (std::uint64_t k = 100; k-- > 0;) ASSERT_TRUE(e2.hit(d2, k * 7));
  for (std::uint64_t k = kCache; k < kCache + kRequest; ++k) {
    put_best_effort(e2, d2, k, 1, result,
                    PlainPins<RequestPins<std::uint64_t>>{&p2},
                    []() -> SizedObject { return SizedObject{1}; });
    p2.pin(k, 1);
  }
  EXPECT_EQ(dict.keys(), d2.keys());
}

}  // namespace
}  // namespace evictlab
