// StrictLRUEvictor: the flaw-free port. Each case shows one flaw of the
// reference that strict mode does not have, then property tests over random
// operation sequences.
#include <gtest/gtest.h>

#include <random>
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
using Evictor = StrictLRUEvictor<Dict>;
using Keys = std::vector<std::string>;

KVObject obj(std::int64_t size) { return KVObj{0, size, {}}; }

std::int64_t stored_sum(Dict& d) {
  std::int64_t sum = 0;
  for (auto item : d) sum += get_size(item.value);
  return sum;
}

TEST(StrictLRUTest, OverwriteReplacesTheSizeInsteadOfDrifting) {
  Dict d;
  Evictor e = Evictor::with_max_bytes(12288);
  e.set(d, "A", obj(4096));
  e.set(d, "A", obj(4096));
  EXPECT_EQ(e.current_cache_size(), 4096);
  e.set(d, "A", obj(1000));
  EXPECT_EQ(e.current_cache_size(), 1000);
  e.pop(d, "A");
  EXPECT_EQ(e.current_cache_size(), 0);
}

TEST(StrictLRUTest, UpdateOnPutChangesNoState) {
  Dict d;
  Evictor e = Evictor::with_max_bytes(8192);
  e.set(d, "A", obj(4096));
  e.set(d, "B", obj(4096));
  auto r = e.update_on_put(d, 4096);
  EXPECT_EQ(r.evict_keys, Keys{"A"});
  EXPECT_EQ(e.current_cache_size(), 8192);
  EXPECT_EQ(d.keys(), (Keys{"A", "B"}));
}

TEST(StrictLRUTest, ReputKeyIsNeverEvictedAndItsOldBytesCount) {
  Dict d;
  Evictor e = Evictor::with_max_bytes(8192);
  e.set(d, "A", obj(4096));
  e.set(d, "B", obj(4096));
  // Re-putting A at the same size frees A's old bytes: nothing to evict.
  EXPECT_EQ(e.update_on_put(d, 4096, std::string("A")).evict_keys, Keys{});
  // Growing A to 8192 must evict B, never A itself.
  EXPECT_EQ(e.update_on_put(d, 8192, std::string("A")).evict_keys, Keys{"B"});
  // Through the caller pattern there is no double pop.
  PutResult<std::string> scratch;
  EXPECT_NO_THROW(
      put_blocking(e, d, std::string("A"), obj(8192), 8192, scratch));
  EXPECT_EQ(d.keys(), Keys{"A"});
  EXPECT_EQ(e.current_cache_size(), 8192);
}

TEST(StrictLRUTest, NegativeAndOversizedPutsAreIllegalAndChangeNothing) {
  Dict d;
  Evictor e = Evictor::with_max_bytes(4096);
  e.set(d, "A", obj(4096));
  for (std::int64_t size : {std::int64_t{-1}, std::int64_t{4097}, INT64_MAX}) {
    auto r = e.update_on_put(d, size);
    EXPECT_EQ(r.status, PutStatus::kIllegal) << size;
    EXPECT_EQ(r.evict_keys, Keys{});
  }
  EXPECT_EQ(e.current_cache_size(), 4096);
  EXPECT_THROW(e.set(d, "neg", obj(-1)), std::invalid_argument);
  EXPECT_THROW(e.set(d, "bad", UnsupportedKVObject{"bytes"}),
               UnknownKVTypeError);
  EXPECT_EQ(d.keys(), Keys{"A"});
  EXPECT_EQ(e.current_cache_size(), 4096);
}

TEST(StrictLRUTest, LimitIsValidatedWithTheFieldNamed) {
  try {
    Evictor e(-1.0);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "max_cache_size_gb");
  }
  try {
    Evictor::with_max_bytes(-5);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "max_bytes");
  }
  EXPECT_EQ(Evictor(0.1).max_cache_size(), 107374182);
}

// Property: over random gets, puts (new and re-put keys, varied sizes),
// removals and overwrites through the caller pattern,
// - current == sum of the stored sizes after every step;
// - the total never exceeds the limit after a legal put;
// - an eviction list is minimal: dropping its last key would leave the put
//   over the limit;
// - the incoming key is never in its own eviction list.
TEST(StrictLRUPropertyTest, AccountingIsExactAndEvictionIsMinimal) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    const std::int64_t max = 1 + static_cast<std::int64_t>(rng() % 100000);
    Dict d;
    Evictor e = Evictor::with_max_bytes(max);
    PutResult<std::string> r;
    for (int step = 0; step < 2000; ++step) {
      const std::string key = "k" + std::to_string(rng() % 64);
      const std::int64_t size =
          static_cast<std::int64_t>(rng() % (max / 4 + 2));
      switch (rng() % 5) {
        case 0:
        case 1: {
          const KVObject* old = d.find(key);
          const std::int64_t old_size = old ? get_size(*old) : 0;
          e.decide(d, size, &key, r);
          ASSERT_EQ(r.status, PutStatus::kLegal);
          std::int64_t freed = old_size;
          for (const auto& k : r.evict_keys) {
            ASSERT_NE(k, key);
            freed += get_size(d.at(k));
          }
          const std::int64_t after = e.current_cache_size() - freed + size;
          ASSERT_LE(after, max);
          if (!r.evict_keys.empty()) {
            const std::int64_t last = get_size(d.at(r.evict_keys.back()));
            ASSERT_GT(after + last, max) << "evicted more than needed";
          }
          if (d.contains(key)) e.pop(d, key);
          for (const auto& k : r.evict_keys) e.pop(d, k);
          e.set(d, key, obj(size));
          break;
        }
        case 2:
          if (d.contains(key)) e.update_on_get(key, d);
          break;
        case 3:
          if (d.contains(key)) e.pop(d, key);
          break;
        case 4:  // an overwrite without asking first, which strict accounts
          if (d.contains(key)) e.set(d, key, obj(size / 2));
          break;
      }
      ASSERT_EQ(e.current_cache_size(), stored_sum(d)) << "seed " << seed;
    }
  }
}

// The same random caller pattern on the reference evictor drifts: this is
// the flaw the strict mode removes, shown side by side.
TEST(StrictLRUPropertyTest, ReferenceDriftsWhereStrictDoesNot) {
  Dict ref_dict, strict_dict;
  LRUEvictor<Dict> ref(8192.0 / 1073741824.0);
  Evictor strict = Evictor::with_max_bytes(8192);
  PutResult<std::string> scratch;
  for (int i = 0; i < 3; ++i) {  // re-put the same key three times
    put_blocking(ref, ref_dict, std::string("A"), obj(1024), 1024, scratch);
    put_blocking(strict, strict_dict, std::string("A"), obj(1024), 1024,
                 scratch);
  }
  EXPECT_EQ(ref.current_cache_size(), 3072.0);
  EXPECT_EQ(strict.current_cache_size(), 1024);
}

}  // namespace
}  // namespace evictlab
