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

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "evictlab/caller.h"
#include "evictlab/errors.h"
#include "evictlab/kv_object.h"
#include "evictlab/registry.h"
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
  if (!this->kTraits.evicts) GTEST_SKIP() << "never evicts";
  this->fill(4, 4096);
  const Outcome out = this->put("big", 12288);
  EXPECT_EQ(out.victims.size(), 3u);
  EXPECT_EQ(this->keys().size(), 2u);
}

TYPED_TEST_P(PolicyContractTest, AboveTheLimitIsRejectedAndChangesNothing) {
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
      Outcome actual, expected;
      if (what < 5) {
        // Negative sizes are rare, as the original's callers never send them.
        const std::int64_t size = kSizes[pick(op % 50 == 0 ? 8 : 7)];
        actual = this->put(key, size);
        expected = model.put(key, size);
      } else if (what < 9) {
        actual = this->hit(key);
        expected = model.hit(key);
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
      }
      if (!expected.error.empty() && expected.error == "StopIteration") {
        break;  // the reference's state after StopIteration is its own
      }
    }
  }
}

REGISTER_TYPED_TEST_SUITE_P(
    PolicyContractTest, FillsToExactlyTheLimitWithoutEvicting,
    AHitPromotesIfAndOnlyIfTheTraitsSaySo,
    AMissingHitThrowsIfAndOnlyIfTheTraitsSaySo,
    TheVictimComesFromTheDeclaredEnd, OneLargePutEvictsAsManyAsNeededAndNoMore,
    AboveTheLimitIsRejectedAndChangesNothing, ExactlyTheLimitIsLegal,
    NeverEvictsWhenTheTraitsSaySo, RandomOperationsMatchTheModel);

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_POLICY_CONTRACT_SUITE_H_
