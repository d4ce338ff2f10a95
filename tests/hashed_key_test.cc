#include "evictlab/hashed_key.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "absl/hash/hash.h"
#include "evictlab/errors.h"
#include "evictlab/kv_object.h"
#include "evictlab/lru_evictor.h"
#include "evictlab/ordered_dict.h"

namespace evictlab {
namespace {

using HStr = HashedKey<std::string>;
using HCek = HashedKey<CacheEngineKey>;

TEST(HashedKeyTest, EqualityIsByValueNotByIdentity) {
  const HStr a("chunk-1");
  const HStr b("chunk-1");  // separate storage, same text
  const HStr c("chunk-2");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_EQ(a.hash(), KeyHash<std::string>{}("chunk-1"));
  EXPECT_EQ(absl::Hash<HStr>{}(a), absl::Hash<HStr>{}(b));
  EXPECT_NE(absl::Hash<HStr>{}(a), absl::Hash<HStr>{}(c));
}

TEST(HashedKeyTest, CopiesShareStorageAndOutliveTheOriginal) {
  HStr copy("x");
  const std::string* text = nullptr;
  {
    HStr original(std::string(100, 'k'));
    text = &original.get();
    copy = original;
    EXPECT_EQ(&copy.get(), text);  // shared, not copied
    HStr moved(std::move(original));
    EXPECT_EQ(&moved.get(), text);
  }
  EXPECT_EQ(copy.get(), std::string(100, 'k'));  // still alive
  copy = copy;  // self-assignment keeps it alive
  EXPECT_EQ(copy.get().size(), 100u);
}

TEST(HashedKeyTest, CacheEngineKeyFieldsAllCount) {
  CacheEngineKey k{"vllm", "m", 1, 0, "ab"};
  CacheEngineKey other = k;
  other.worker_id = 1;
  EXPECT_EQ(HCek(k), HCek(k));
  EXPECT_NE(HCek(k), HCek(other));
}

TEST(HashedKeyTest, BehavesLikeThePlainKeyInTheDictAndEvictor) {
  using Dict = OrderedDict<HStr, KVObject>;
  Dict d;
  LRUEvictor<Dict> e(8192.0 / 1073741824.0);
  for (const char* k : {"a", "b"}) {
    e.update_on_put(d, 4096);
    d.set(HStr(k), KVObj{0, 4096, {}});
  }
  e.update_on_get(HStr("a"), d);  // a different object with equal text
  const auto r = e.update_on_put(d, 4096);
  ASSERT_EQ(r.evict_keys.size(), 1u);
  EXPECT_EQ(r.evict_keys[0].get(), "b");
  try {
    e.update_on_get(HStr("zz"), d);
    FAIL();
  } catch (const KeyNotFoundError& err) {
    EXPECT_EQ(err.key_repr(), "'zz'");
  }
}

}  // namespace
}  // namespace evictlab
