// The conformance suite every LRU-family policy passes (lru, lru_strict,
// naive_lru), one behaviour per case, driven through the local backend's
// caller pattern (put_blocking). Dummy has its own cases at the end.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "evictlab/errors.h"
#include "evictlab/policies.h"

namespace evictlab {
namespace {

constexpr double kGb16KiB = 16384.0 / 1073741824.0;  // MAX = 16384 bytes

template <class Policy>
class LRUConformanceTest : public ::testing::Test {
 protected:
  using Dict = typename Policy::template Dict<std::string, KVObject>;
  using Evictor = typename Policy::template Evictor<std::string, KVObject>;

  // Returns the evicted keys.
  std::vector<std::string> put(const std::string& key, std::int64_t size) {
    PutResult<std::string> scratch;
    last_status_ = put_blocking<Policy>(
        evictor_, dict_, key, KVObject(KVObj{0, size, {}}), size, scratch);
    return scratch.evict_keys;
  }
  std::vector<std::string> keys() { return dict_.keys(); }

  Dict dict_;
  Evictor evictor_ =
      Policy::template make_evictor<std::string, KVObject>(kGb16KiB);
  PutStatus last_status_ = PutStatus::kLegal;
};

using LRUPolicies =
    ::testing::Types<LRUPolicy, StrictLRUPolicy, NaiveLRUPolicy>;
TYPED_TEST_SUITE(LRUConformanceTest, LRUPolicies);

using Keys = std::vector<std::string>;

TYPED_TEST(LRUConformanceTest, FillsToExactlyMaxWithoutEvicting) {
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(this->put(std::to_string(i), 4096), Keys{});
  EXPECT_EQ(this->evictor_.max_cache_size(), 16384);
  EXPECT_EQ(this->evictor_.current_cache_size(), 16384);
  EXPECT_EQ(this->keys(), (Keys{"0", "1", "2", "3"}));
}

TYPED_TEST(LRUConformanceTest, EvictsOldestFirst) {
  for (int i = 0; i < 4; ++i) this->put(std::to_string(i), 4096);
  EXPECT_EQ(this->put("4", 4096), Keys{"0"});
  EXPECT_EQ(this->keys(), (Keys{"1", "2", "3", "4"}));
}

TYPED_TEST(LRUConformanceTest, GetPromotesToNewest) {
  for (int i = 0; i < 4; ++i) this->put(std::to_string(i), 4096);
  this->evictor_.update_on_get("0", this->dict_);
  EXPECT_EQ(this->put("4", 4096), Keys{"1"});
  EXPECT_EQ(this->keys(), (Keys{"2", "3", "0", "4"}));
}

TYPED_TEST(LRUConformanceTest, GetOfMissingKeyIsKeyError) {
  this->put("a", 1);
  EXPECT_THROW(this->evictor_.update_on_get("zz", this->dict_),
               KeyNotFoundError);
  EXPECT_EQ(this->keys(), Keys{"a"});
}

TYPED_TEST(LRUConformanceTest, OneLargePutEvictsAsManyAsNeeded) {
  for (int i = 0; i < 4; ++i) this->put(std::to_string(i), 4096);
  EXPECT_EQ(this->put("big", 12288), (Keys{"0", "1", "2"}));
  EXPECT_EQ(this->keys(), (Keys{"3", "big"}));
}

TYPED_TEST(LRUConformanceTest, AboveMaxIsIllegalAndChangesNothing) {
  this->put("a", 4096);
  const auto before = this->evictor_.current_cache_size();
  EXPECT_EQ(this->put("huge", 16385), Keys{});
  EXPECT_EQ(this->last_status_, PutStatus::kIllegal);
  EXPECT_EQ(this->evictor_.current_cache_size(), before);
  EXPECT_EQ(this->keys(), Keys{"a"});
}

TYPED_TEST(LRUConformanceTest, ExactlyMaxIsLegalAndEvictsEverything) {
  this->put("a", 4096);
  this->put("b", 4096);
  EXPECT_EQ(this->put("all", 16384), (Keys{"a", "b"}));
  EXPECT_EQ(this->last_status_, PutStatus::kLegal);
  EXPECT_EQ(this->keys(), Keys{"all"});
}

TYPED_TEST(LRUConformanceTest, EvictionSizesComeFromTheStoredObjects) {
  // A stored object's size decides how much an eviction frees.
  this->put("small", 1024);
  this->put("large", 8192);
  this->put("mid", 4096);                               // 13312 of 16384
  EXPECT_EQ(this->put("next", 4096), (Keys{"small"}));  // frees 1024: enough
}

template <class Policy>
class DummyConformanceTest : public LRUConformanceTest<Policy> {};
using DummyOnly = ::testing::Types<DummyPolicy>;
TYPED_TEST_SUITE(DummyConformanceTest, DummyOnly);

TYPED_TEST(DummyConformanceTest, NeverEvictsAndGetIsANoOpEvenOnAMiss) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(this->put(std::to_string(i), std::int64_t{1} << 40), Keys{});
    EXPECT_EQ(this->last_status_, PutStatus::kLegal);
  }
  EXPECT_NO_THROW(this->evictor_.update_on_get("missing", this->dict_));
  this->evictor_.update_on_get("0", this->dict_);
  EXPECT_EQ(this->keys().front(), "0");  // not promoted
  EXPECT_EQ(this->evictor_.update_on_put(this->dict_, -5).status,
            PutStatus::kLegal);
}

}  // namespace
}  // namespace evictlab
