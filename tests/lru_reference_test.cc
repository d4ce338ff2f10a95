// The original's flaws, which reference mode must reproduce exactly.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "evictlab/caller.h"
#include "evictlab/errors.h"
#include "evictlab/lru_evictor.h"
#include "evictlab/ordered_dict.h"
#include "evictlab/strict_lru_evictor.h"

namespace evictlab {
namespace {

using Dict = OrderedDict<std::string, KVObject>;
using Keys = std::vector<std::string>;

KVObject obj(std::int64_t size) { return KVObj{0, size, {}}; }

TEST(LRUReferenceTest, MaxIsTruncatedDoubleProduct) {
  EXPECT_EQ(LRUEvictor<Dict>(0.1).max_cache_size(), 107374182);
  EXPECT_EQ(LRUEvictor<Dict>().max_cache_size(), std::int64_t{10} << 30);
  EXPECT_EQ(LRUEvictor<Dict>(1.52587890625e-05).max_cache_size(), 16384);
  EXPECT_EQ(LRUEvictor<Dict>(-1.0).max_cache_size(), -(std::int64_t{1} << 30));
}

TEST(LRUReferenceTest, BadLimitIsAConfigErrorNamingTheField) {
  for (double gb : {std::nan(""), HUGE_VAL, 1e30}) {
    try {
      LRUEvictor<Dict> e(gb);
      FAIL() << gb;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.field(), "max_cache_size_gb");
    }
  }
}

TEST(LRUReferenceTest, CurrentIsADoubleAndCountsEveryPut) {
  Dict d;
  LRUEvictor<Dict> e(1.0);
  e.update_on_put(d, 3);
  e.update_on_put(d, 4);  // nothing stored, still counted
  EXPECT_EQ(e.current_cache_size(), 7.0);
}

TEST(LRUReferenceTest, OverwriteDriftsAndThenRunsOffTheEnd) {
  // golden/lru_overwrite_drift.jsonl, as code.
  Dict d;
  LRUEvictor<Dict> e(12288.0 / 1073741824.0);
  e.update_on_put(d, 4096);
  d.set("A", obj(4096));
  e.update_on_put(d, 4096);
  d.set("A", obj(4096));  // overwrite: the evictor counts A twice
  EXPECT_EQ(e.current_cache_size(), 8192.0);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(e.update_on_put(d, 8192).evict_keys, Keys{"A"});
  d.pop("A");
  d.set("B", obj(8192));
  EXPECT_EQ(e.update_on_put(d, 8192).evict_keys, Keys{"B"});
  d.pop("B");
  d.set("C", obj(8192));
  EXPECT_EQ(e.current_cache_size(), 12288.0);
  // 12288 + 12288 > 12288: evicts C (current 4096) and still 16384 > 12288.
  EXPECT_THROW(e.update_on_put(d, 12288), CacheExhaustedError);
  EXPECT_EQ(e.current_cache_size(), 4096.0);  // partial accounting kept
  EXPECT_EQ(d.keys(), Keys{"C"});             // the dict is untouched
}

TEST(LRUReferenceTest, ReputOfTheOldestKeyIsPoppedTwice) {
  // golden/lru_reput_oldest.jsonl: the caller's double pop is a KeyError.
  Dict d;
  LRUEvictor<Dict> e(8192.0 / 1073741824.0);
  PutResult<std::string> scratch;
  put_blocking(e, d, std::string("A"), obj(4096), 4096, scratch);
  put_blocking(e, d, std::string("B"), obj(4096), 4096, scratch);
  EXPECT_THROW(put_blocking(e, d, std::string("A"), obj(4096), 4096, scratch),
               KeyNotFoundError);
  EXPECT_EQ(scratch.evict_keys, Keys{"A"});
  EXPECT_EQ(d.keys(), Keys{"B"});
}

TEST(LRUReferenceTest, NegativeSizesFlowIntoTheAccounting) {
  Dict d;
  LRUEvictor<Dict> e(4096.0 / 1073741824.0);
  auto r = e.update_on_put(d, -100);
  EXPECT_EQ(r.status, PutStatus::kLegal);
  EXPECT_EQ(e.current_cache_size(), -100.0);
  d.set("neg", obj(-4096));
  e.update_on_put(d, 4096);  // -100 + 4096 <= 4096: no eviction
  EXPECT_EQ(e.current_cache_size(), 3996.0);
  // Evicting a negative-size object *adds* to current.
  EXPECT_THROW(e.update_on_put(d, 200), CacheExhaustedError);
  EXPECT_EQ(e.current_cache_size(), 3996.0 + 4096.0);
}

TEST(LRUReferenceTest, UnsupportedStoredObjectThrowsAfterPartialAccounting) {
  Dict d;
  LRUEvictor<Dict> e(8192.0 / 1073741824.0);
  e.update_on_put(d, 4096);
  d.set("ok", obj(4096));
  e.update_on_put(d, 4096);
  d.set("bad", UnsupportedKVObject{"bytes"});
  EXPECT_THROW(e.update_on_put(d, 8192), UnknownKVTypeError);
  EXPECT_EQ(e.current_cache_size(), 4096.0);  // "ok" was already subtracted
}

TEST(LRUReferenceTest, FloatComparisonIsExactAgainstTheIntegerLimit) {
  EXPECT_TRUE(py_float_greater_than_int(4096.5, 4096));
  EXPECT_FALSE(py_float_greater_than_int(4096.0, 4096));
  EXPECT_FALSE(py_float_greater_than_int(-1.5, -1));
  EXPECT_TRUE(py_float_greater_than_int(-1.5, -2));
  // 2^53 + 1 is not a double: the comparison must not round the integer.
  const std::int64_t big = (std::int64_t{1} << 53) + 1;
  EXPECT_FALSE(py_float_greater_than_int(9007199254740992.0, big));
  EXPECT_TRUE(py_float_greater_than_int(9223372036854775808.0, INT64_MAX));
  EXPECT_FALSE(py_float_greater_than_int(std::nan(""), 0));
  // The edges of the one-compare range (|limit| <= 2^53) and just past it.
  const std::int64_t two53 = std::int64_t{1} << 53;
  EXPECT_FALSE(py_float_greater_than_int(9007199254740992.0, two53));
  EXPECT_TRUE(py_float_greater_than_int(9007199254740994.0, two53));
  EXPECT_TRUE(py_float_greater_than_int(9007199254740992.0, two53 - 1));
  EXPECT_FALSE(py_float_greater_than_int(-9007199254740992.0, -two53));
  EXPECT_TRUE(py_float_greater_than_int(-9007199254740992.0, -two53 - 1));
  EXPECT_FALSE(py_float_greater_than_int(std::nan(""), two53));
  EXPECT_FALSE(py_float_greater_than_int(std::nan(""), big));
}

}  // namespace
}  // namespace evictlab
