#include "evictlab/cache_engine_key.h"

#include <gtest/gtest.h>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "evictlab/errors.h"
#include "evictlab/key.h"

namespace evictlab {
namespace {

CacheEngineKey sample() {
  return {"vllm", "meta-llama/Llama-3.1-8B-Instruct", 2, 1, "00000000000000a1"};
}

TEST(CacheEngineKeyTest, ToStringJoinsFiveFieldsWithAt) {
  EXPECT_EQ(sample().to_string(),
            "vllm@meta-llama/Llama-3.1-8B-Instruct@2@1@00000000000000a1");
}

TEST(CacheEngineKeyTest, FromStringRoundTrips) {
  const CacheEngineKey key = sample();
  EXPECT_EQ(CacheEngineKey::from_string(key.to_string()), key);
  const CacheEngineKey negative{"f", "m", -3, -4, ""};
  EXPECT_EQ(CacheEngineKey::from_string("f@m@-3@-4@"), negative);
  EXPECT_EQ(CacheEngineKey::from_string("f@m@+3@4@h").world_size, 3);
}

TEST(CacheEngineKeyTest, FromStringRejectsWrongPartCount) {
  EXPECT_THROW(CacheEngineKey::from_string("a@b@1@2"), KeyParseError);
  EXPECT_THROW(CacheEngineKey::from_string("a@b@1@2@h@extra"), KeyParseError);
  EXPECT_THROW(CacheEngineKey::from_string(""), KeyParseError);
}

TEST(CacheEngineKeyTest, FromStringRejectsNonIntegersAndNamesTheField) {
  try {
    CacheEngineKey::from_string("a@b@one@2@h");
    FAIL() << "expected KeyParseError";
  } catch (const KeyParseError& e) {
    EXPECT_NE(std::string(e.what()).find("world_size"), std::string::npos);
  }
  try {
    CacheEngineKey::from_string("a@b@1@2x@h");
    FAIL() << "expected KeyParseError";
  } catch (const KeyParseError& e) {
    EXPECT_NE(std::string(e.what()).find("worker_id"), std::string::npos);
  }
  EXPECT_THROW(CacheEngineKey::from_string("a@b@@2@h"), KeyParseError);
  EXPECT_THROW(CacheEngineKey::from_string("a@b@+-1@2@h"), KeyParseError);
  EXPECT_THROW(CacheEngineKey::from_string("a@b@99999999999999999999@2@h"),
               KeyParseError);
}

TEST(CacheEngineKeyTest, EqualityAndHashCoverEveryField) {
  const CacheEngineKey base = sample();
  std::vector<CacheEngineKey> variants(5, base);
  variants[0].fmt = "huggingface";
  variants[1].model_name = "other";
  variants[2].world_size = 4;
  variants[3].worker_id = 0;
  variants[4].chunk_hash = "00000000000000a2";
  absl::flat_hash_set<CacheEngineKey> set = {base};
  for (const CacheEngineKey& v : variants) {
    EXPECT_NE(v, base);
    EXPECT_NE(absl::Hash<CacheEngineKey>{}(v),
              absl::Hash<CacheEngineKey>{}(base));
    EXPECT_FALSE(set.contains(v));
  }
  EXPECT_TRUE(set.contains(sample()));
}

TEST(KeyTest, CacheEngineKeyAndStringWithSameTextAreDifferentKeys) {
  const Key cek = sample();
  const Key str = sample().to_string();
  EXPECT_NE(cek, str);
  absl::flat_hash_set<Key, KeyHash<Key>> set = {cek, str};
  EXPECT_EQ(set.size(), 2u);
}

TEST(KeyTest, TraceFormRoundTrips) {
  const Key cek =
      key_from_trace_string("cek:vllm@llama-3-8b@1@0@00000000000000a1");
  ASSERT_TRUE(std::holds_alternative<CacheEngineKey>(cek));
  EXPECT_EQ(std::get<CacheEngineKey>(cek).model_name, "llama-3-8b");
  EXPECT_EQ(key_to_trace_string(cek),
            "cek:vllm@llama-3-8b@1@0@00000000000000a1");
  const Key str = key_from_trace_string("chunk-1");
  EXPECT_EQ(str, Key(std::string("chunk-1")));
  EXPECT_EQ(key_to_trace_string(str), "chunk-1");
  EXPECT_THROW(key_from_trace_string("cek:bad"), KeyParseError);
}

TEST(KeyTest, ReprSaysWhichKindOfKey) {
  EXPECT_EQ(key_repr(Key(std::string("a"))), "'a'");
  EXPECT_EQ(key_repr(Key(sample())),
            "CacheEngineKey(vllm@meta-llama/"
            "Llama-3.1-8B-Instruct@2@1@00000000000000a1)");
}

}  // namespace
}  // namespace evictlab
