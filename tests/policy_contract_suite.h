// The policy contract suite, written once and instantiated for every policy
// over every dict of the registry (policy_contract_test.cc), as Abseil's
// unordered_map_*_test.h suites are for its maps.
//
// Every expectation comes from the policy's traits or from OrderModel, the
// executable spec built from them (policy_model.h) — never from which policy
// is under test. Puts and removals go through the one caller loop
// (caller.h), as a backend drives the evictor.
#ifndef EVICTLAB_TESTS_POLICY_CONTRACT_SUITE_H_
#define EVICTLAB_TESTS_POLICY_CONTRACT_SUITE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "evictlab/caller.h"
#include "evictlab/errors.h"
#include "evictlab/kv_object.h"
#include "evictlab/pins.h"
#include "evictlab/registry.h"
#include "tests/models/arc_model.h"
#include "tests/models/belady_model.h"
#include "tests/models/lfu_model.h"
#include "tests/models/s3fifo_model.h"
#include "tests/models/sieve_model.h"
#include "tests/policy_model.h"

namespace evictlab::testing {

using Keys = std::vector<std::string>;

// MAX = 16384 bytes exactly (a power of two times 2^-30).
inline constexpr std::int64_t kMax = 16384;
inline constexpr double kMaxGb = 16384.0 / 1073741824.0;

// The spec a policy is checked against: its own `Model` type when it declares
// one (a policy whose victims do not follow the dict's order: same interface
// as OrderModel, constructed from (traits, max bytes)), else OrderModel.
template <class Policy, class = void>
struct ModelOf {
  using type = OrderModel;
};
template <class Policy>
struct ModelOf<Policy, std::void_t<typename Policy::Model>> {
  using type = typename Policy::Model;
};
// Policies whose spec lives here rather than in their header.
template <>
struct ModelOf<ClockPolicy> {
  using type = ClockModel;
};
template <>
struct ModelOf<BeladyPolicy> {
  using type = BeladyModel;
};
template <>
struct ModelOf<ARCPolicy> {
  using type = ARCModel;
};
template <>
struct ModelOf<S3FIFOPolicy> {
  using type = S3FIFOModel;
};
template <>
struct ModelOf<LFUPolicy> {
  using type = LfuModel;
};
template <>
struct ModelOf<SievePolicy> {
  using type = SieveModel;
};

template <class E, class = void>
inline constexpr bool kHasStorableLimit = false;
template <class E>
inline constexpr bool kHasStorableLimit<
    E, std::void_t<decltype(std::declval<const E&>().max_storable_size())>> =
    true;

// `Combo` is a PolicyOverDict.
template <class Combo>
class PolicyContractTest : public ::testing::Test {
 protected:
  using Dict = typename Combo::template Dict<std::string, KVObject>;
  using Evictor = typename Combo::template Evictor<std::string, KVObject>;
  static constexpr PolicyTraits kTraits = Combo::Policy::kTraits;

  // Puts through the caller loop; the outcome as OrderModel reports it.
  Outcome put(const std::string& key, std::int64_t size) {
    PutResult<std::string> scratch;
    Outcome out;
    try {
      out.status = put_blocking(evictor_, dict_, key,
                                KVObject(KVObj{0, size, {}}), size, scratch);
    } catch (const KeyNotFoundError&) {
      out.error = "KeyError";
    } catch (const CacheExhaustedError&) {
      out.error = "StopIteration";
      return out;  // the original loses the list of keys
    }
    out.victims = scratch.evict_keys;
    return out;
  }
  Outcome hit(const std::string& key) {
    try {
      evictor_.update_on_get(key, dict_);
    } catch (const KeyNotFoundError&) {
      return Outcome{"KeyError"};
    }
    return {};
  }
  Outcome pop(const std::string& key) {
    try {
      evictor_.remove(dict_, key);
    } catch (const KeyNotFoundError&) {
      return Outcome{"KeyError"};
    }
    return {};
  }
  Keys keys() { return dict_.keys(); }
  std::optional<double> current() const {
    if constexpr (kKeepsCurrentSize<Evictor>) {
      return static_cast<double>(evictor_.current_cache_size());
    } else {
      return std::nullopt;
    }
  }
  // The largest object a put of a new key stores: the limit, or less for a
  // policy whose admission rule says so (s3fifo: below its small queue).
  std::int64_t storable() const {
    if constexpr (kHasStorableLimit<Evictor>) {
      return evictor_.max_storable_size();
    } else {
      return kMax;
    }
  }
  // Skips a test that needs objects of `size` bytes stored.
  bool cannot_store(std::int64_t size) const { return size > storable(); }

  // Fills the cache with n keys "0".."n-1" of `size` bytes each.
  void fill(int n, std::int64_t size) {
    for (int i = 0; i < n; ++i)
      ASSERT_EQ(put(std::to_string(i), size), Outcome{});
  }

  Dict dict_;
  Evictor evictor_{kMaxGb};
};

TYPED_TEST_SUITE_P(PolicyContractTest);

TYPED_TEST_P(PolicyContractTest, FillsToExactlyTheLimitWithoutEvicting) {
  if (this->cannot_store(4096)) {
    GTEST_SKIP() << "stores objects up to " << this->storable() << " bytes";
  }
  this->fill(4, 4096);
  EXPECT_EQ(this->keys(), (Keys{"0", "1", "2", "3"}));
  if (auto current = this->current()) EXPECT_EQ(*current, 16384.0);
}

TYPED_TEST_P(PolicyContractTest, AHitPromotesIfAndOnlyIfTheTraitsSaySo) {
  this->fill(3, 1024);
  EXPECT_EQ(this->hit("0"), Outcome{});
  EXPECT_EQ(this->keys(), this->kTraits.promotes_on_hit
                              ? (Keys{"1", "2", "0"})
                              : (Keys{"0", "1", "2"}));
}

TYPED_TEST_P(PolicyContractTest, AMissingHitThrowsIfAndOnlyIfTheTraitsSaySo) {
  this->fill(2, 1024);
  const Outcome expected{this->kTraits.throws_on_missing_hit ? "KeyError" : ""};
  EXPECT_EQ(this->hit("zz"), expected);
  EXPECT_EQ(this->keys(), (Keys{"0", "1"}));
}

TYPED_TEST_P(PolicyContractTest, TheVictimComesFromTheDeclaredEnd) {
  if (this->cannot_store(4096)) {
    GTEST_SKIP() << "stores objects up to " << this->storable() << " bytes";
  }
  this->fill(4, 4096);
  const Outcome out = this->put("new", 4096);
  EXPECT_EQ(out.status, PutStatus::kLegal);
  switch (this->kTraits.victim_end) {
    case VictimEnd::kOldest:
      EXPECT_EQ(out.victims, Keys{"0"});
      EXPECT_EQ(this->keys(), (Keys{"1", "2", "3", "new"}));
      break;
    case VictimEnd::kNewest:
      EXPECT_EQ(out.victims, Keys{"3"});
      EXPECT_EQ(this->keys(), (Keys{"0", "1", "2", "new"}));
      break;
    case VictimEnd::kNone:
      if (!this->kTraits.evicts) EXPECT_EQ(out.victims, Keys{});
      break;
  }
}

TYPED_TEST_P(PolicyContractTest, OneLargePutEvictsAsManyAsNeededAndNoMore) {
  if (this->cannot_store(12288)) {
    GTEST_SKIP() << "stores objects up to " << this->storable() << " bytes";
  }
  if (!this->kTraits.evicts) GTEST_SKIP() << "never evicts";
  this->fill(4, 4096);
  const Outcome out = this->put("big", 12288);
  EXPECT_EQ(out.victims.size(), 3u);
  EXPECT_EQ(this->keys().size(), 2u);
}

TYPED_TEST_P(PolicyContractTest, AboveTheLimitIsRejectedAndChangesNothing) {
  if (this->cannot_store(4096)) {
    GTEST_SKIP() << "stores objects up to " << this->storable() << " bytes";
  }
  this->fill(1, 4096);
  const auto before = this->current();
  const Outcome out = this->put("huge", kMax + 1);
  if (this->kTraits.may_reject_put) {
    EXPECT_EQ(out, (Outcome{"", PutStatus::kIllegal}));
    EXPECT_EQ(this->keys(), Keys{"0"});
    EXPECT_EQ(this->current(), before);
  } else {
    EXPECT_EQ(out, Outcome{});
    EXPECT_EQ(this->keys(), (Keys{"0", "huge"}));
  }
}

TYPED_TEST_P(PolicyContractTest, ExactlyTheLimitIsLegal) {
  if (this->cannot_store(kMax)) {
    GTEST_SKIP() << "stores objects up to " << this->storable() << " bytes";
  }
  this->fill(2, 4096);
  const Outcome out = this->put("all", kMax);
  EXPECT_EQ(out.status, PutStatus::kLegal);
  if (this->kTraits.evicts) EXPECT_EQ(this->keys(), Keys{"all"});
}

TYPED_TEST_P(PolicyContractTest, NeverEvictsWhenTheTraitsSaySo) {
  if (this->kTraits.evicts) GTEST_SKIP() << "evicts";
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(this->put(std::to_string(i), std::int64_t{1} << 40), Outcome{});
  }
  EXPECT_EQ(this->keys().size(), 10u);
}

// Thousands of random puts (new and re-put keys, sizes from negative to above
// the limit), hits (present and missing) and removals, compared with the
// model after every operation: outcome, victims, order and accounting.
TYPED_TEST_P(PolicyContractTest, RandomOperationsMatchTheModel) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    this->dict_.clear();
    this->evictor_ = typename TestFixture::Evictor(kMaxGb);
    typename ModelOf<typename TypeParam::Policy>::type model(this->kTraits,
                                                             kMax);
    std::mt19937 rng(seed);
    auto pick = [&](int n) {
      return std::uniform_int_distribution<int>(0, n - 1)(rng);
    };
    constexpr std::int64_t kSizes[] = {512,  1024, 2048,     4096,
                                       6144, 8192, kMax + 1, -512};
    for (int op = 0; op < 3000; ++op) {
      const std::string key = "k" + std::to_string(pick(14));
      const int what = pick(10);
      if constexpr (TestFixture::kTraits.needs_future_knowledge) {
        // Request indices ahead of this operation (a shared one is broken by
        // stamp, as +inf is), or none (-1).
        const std::int64_t next =
            pick(4) == 0 ? -1 : op + 1 + static_cast<std::int64_t>(pick(50));
        this->evictor_.set_next_access(next);
        model.set_next_access(next);
      }
      Outcome actual, expected;
      const Keys before = this->keys();
      if (what < 5) {
        // Negative sizes are rare, as the original's callers never send them.
        const std::int64_t size = kSizes[pick(op % 50 == 0 ? 8 : 7)];
        actual = this->put(key, size);
        expected = model.put(key, size);
      } else if (what < 9) {
        if (what == 8) {
          // The simulator's hit path (hit_if_resident) answers residency
          // and applies the same hit rule as update_on_get.
          const bool resident = this->dict_.contains(key);
          ASSERT_EQ(hit_if_resident(this->evictor_, this->dict_, key), resident)
              << "op " << op;
          if (resident) expected = model.hit(key);
        } else {
          actual = this->hit(key);
          expected = model.hit(key);
        }
      } else {
        actual = this->pop(key);
        expected = model.pop(key);
      }
      ASSERT_EQ(actual.error, expected.error) << "op " << op << " " << key;
      ASSERT_EQ(actual.status, expected.status) << "op " << op;
      ASSERT_EQ(actual.victims, expected.victims) << "op " << op;
      ASSERT_EQ(this->keys(), model.keys()) << "op " << op;
      if (auto current = this->current()) {
        ASSERT_EQ(*current, model.current()) << "op " << op;
        // Occupancy never exceeds the capacity after a put (exact
        // accounting; the original's drifts by design, lru_evictor.h).
        if (this->kTraits.exact_accounting) {
          ASSERT_LE(*current, static_cast<double>(kMax)) << "op " << op;
        }
      }
      // A victim was resident; a hit never evicts.
      for (const std::string& victim : actual.victims) {
        ASSERT_NE(std::find(before.begin(), before.end(), victim), before.end())
            << "op " << op << ": victim " << victim << " was not resident";
      }
      if (what >= 5 && what < 9) {
        // A hit never evicts.
        ASSERT_EQ(this->keys().size(), before.size()) << "op " << op;
      }
      if (!expected.error.empty() && expected.error == "StopIteration") {
        break;  // the reference's state after StopIteration is its own
      }
    }
  }
}

// Pins (pins.h), for every policy with exact accounting: random puts, hits
// and removals with a third of the resident keys pinned at any time. A
// victim is always resident and never pinned; a put that the unpinned keys
// cannot make room for is ILLEGAL and changes nothing; eviction candidates
// are resident, distinct, unpinned, and fewer only when no more are
// evictable.
TYPED_TEST_P(PolicyContractTest, PinnedKeysAreNeverVictims) {
  if constexpr (!TestFixture::kTraits.exact_accounting ||
                !TestFixture::kTraits.evicts) {
    GTEST_SKIP() << "the original's accounting has no pins";
  } else {
    auto& dict = this->dict_;
    auto& evictor = this->evictor_;
    KeySetPins<std::string> pins;
    std::mt19937 rng(7);
    auto pick = [&](int n) {
      return std::uniform_int_distribution<int>(0, n - 1)(rng);
    };
    auto size_of = [&](const std::string& key) {
      return evictlab::get_size(*dict.find(key));
    };
    PutResult<std::string> scratch;
    std::vector<std::string> cands;
    int illegal = 0, evicting = 0;
    for (int op = 0; op < 3000; ++op) {
      const std::string key = "k" + std::to_string(pick(14));
      const int what = pick(10);
      if constexpr (TestFixture::kTraits.needs_future_knowledge) {
        evictor.set_next_access(pick(4) == 0 ? -1 : op + 1 + pick(50));
      }
      const bool resident = dict.contains(key);
      if (what < 5) {
        if (pins.pinned(key)) continue;  // a pinned key is not re-put
        const std::int64_t size =
            std::min(std::int64_t{512} << pick(5), this->storable());
        const Keys before = this->keys();
        const double current_before = *this->current();
        const std::int64_t old = resident ? size_of(key) : 0;
        const PutStatus status =
            put_blocking(evictor, dict, key, KVObject(KVObj{0, size, {}}), size,
                         scratch, pins);
        const bool fits = current_before - static_cast<double>(old) +
                              static_cast<double>(size) <=
                          static_cast<double>(kMax);
        // Evicting every unpinned key but this one leaves the pinned bytes.
        const bool can = pins.pinned_bytes() + size <= kMax;
        if (!can) {
          ++illegal;
          ASSERT_EQ(status, PutStatus::kIllegal) << "op " << op;
          ASSERT_EQ(this->keys(), before) << "op " << op;
          ASSERT_EQ(*this->current(), current_before) << "op " << op;
          continue;
        }
        ASSERT_EQ(status, PutStatus::kLegal) << "op " << op;
        if (!fits) ++evicting;
        for (const std::string& victim : scratch.evict_keys) {
          ASSERT_FALSE(pins.pinned(victim)) << "op " << op << " " << victim;
          ASSERT_NE(victim, key) << "op " << op;
          ASSERT_NE(std::find(before.begin(), before.end(), victim),
                    before.end())
              << "op " << op;
        }
        ASSERT_LE(*this->current(), static_cast<double>(kMax)) << "op " << op;
        if (dict.contains(key) && pick(3) == 0) pins.pin(key, size_of(key));
      } else if (what < 8) {
        if (resident) evictor.update_on_get(key, dict);
      } else if (what < 9) {
        if (!resident || pins.pinned(key)) continue;
        evictor.remove(dict, key);
      } else {
        if (resident && pick(2) == 0) pins.unpin(key, size_of(key));
        const std::size_t n = 1 + static_cast<std::size_t>(pick(4));
        evictor.candidates(dict, n, pins, cands);
        const std::size_t evictable = dict.size() - pins.size();
        ASSERT_EQ(cands.size(), std::min(n, evictable)) << "op " << op;
        for (std::size_t i = 0; i < cands.size(); ++i) {
          ASSERT_TRUE(dict.contains(cands[i])) << "op " << op;
          ASSERT_FALSE(pins.pinned(cands[i])) << "op " << op;
          for (std::size_t j = 0; j < i; ++j) ASSERT_NE(cands[i], cands[j]);
        }
        // The caller removes candidates, as LMCache's backend does.
        for (const std::string& c : cands) evictor.remove(dict, c);
      }
    }
    // The sequence exercised both outcomes.
    EXPECT_GT(illegal, 0);
    EXPECT_GT(evicting, 0);
  }
}

REGISTER_TYPED_TEST_SUITE_P(
    PolicyContractTest, FillsToExactlyTheLimitWithoutEvicting,
    AHitPromotesIfAndOnlyIfTheTraitsSaySo,
    AMissingHitThrowsIfAndOnlyIfTheTraitsSaySo,
    TheVictimComesFromTheDeclaredEnd, OneLargePutEvictsAsManyAsNeededAndNoMore,
    AboveTheLimitIsRejectedAndChangesNothing, ExactlyTheLimitIsLegal,
    NeverEvictsWhenTheTraitsSaySo, RandomOperationsMatchTheModel,
    PinnedKeysAreNeverVictims);

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_POLICY_CONTRACT_SUITE_H_
