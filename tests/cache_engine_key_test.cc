#include "evictlab/cache_engine_key.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

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

TEST(CacheEngineKeyTest, TextOfIsToStringOfTheSameFields) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::vector<CacheEngineKey> keys = {
      sample(),
      {"", "", 0, 0, ""},
      {"f", "m", kMin, kMax, std::string(300, 'h')},
      {"a@b", "m", -1, 10, "x"},
  };
  EXPECT_EQ(CacheEngineKey::text_of("f", "m", kMin, kMax, "h"),
            "f@m@-9223372036854775808@9223372036854775807@h");
  for (const CacheEngineKey& k : keys) {
    EXPECT_EQ(CacheEngineKey::text_of(k.fmt.view(), k.model_name.view(),
                                      k.world_size, k.worker_id, k.chunk_hash),
              k.to_string());
  }
  EXPECT_EQ(keys[1].to_string(), "@@0@0@");
}

TEST(CacheEngineKeyTest, KeysFromEveryConstructionAreEqualAndHashAlike) {
  const std::string model = "meta-llama/Llama-3.1-8B-Instruct";
  const CacheEngineKey literal = sample();
  const CacheEngineKey from_std{std::string("vllm"), model, 2, 1,
                                "00000000000000a1"};
  CacheEngineKey assigned;
  assigned.fmt = std::string_view("vllm");
  assigned.model_name = model;
  assigned.world_size = 2;
  assigned.worker_id = 1;
  assigned.chunk_hash = "00000000000000a1";
  for (const CacheEngineKey& k :
       {from_std, assigned, CacheEngineKey::from_string(literal.to_string())}) {
    EXPECT_EQ(k, literal);
    EXPECT_EQ(absl::Hash<CacheEngineKey>{}(k),
              absl::Hash<CacheEngineKey>{}(literal));
  }
}

TEST(InternedStringTest, EqualTextsShareOneRepresentation) {
  const std::string text(40, 'm');
  const InternedString a(text);
  const InternedString b(std::string_view(text).substr(0));
  const InternedString c("other");
  EXPECT_EQ(&a.str(), &b.str());  // one copy, not two
  EXPECT_NE(&a.str(), &c.str());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(absl::Hash<InternedString>{}(a), absl::Hash<InternedString>{}(b));
  EXPECT_NE(absl::Hash<InternedString>{}(a), absl::Hash<InternedString>{}(c));
  EXPECT_EQ(a.str(), text);
  EXPECT_EQ(a.size(), 40u);
}

TEST(InternedStringTest, ComparesWithPlainTextByCharacters) {
  const InternedString s("vllm");
  EXPECT_TRUE(s == "vllm");
  EXPECT_TRUE(s == std::string("vllm"));
  EXPECT_TRUE(s == std::string_view("vllm"));
  EXPECT_TRUE(s != "vll");
  EXPECT_TRUE(s != std::string("vllm2"));
  EXPECT_FALSE(s == "");
  const std::string& as_string = s;
  EXPECT_EQ(as_string, "vllm");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "vllm");
}

TEST(InternedStringTest, DefaultIsTheInternedEmptyString) {
  const InternedString empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty, InternedString(""));
  EXPECT_EQ(empty, InternedString(std::string()));
  EXPECT_NE(empty, InternedString(std::string(1, '\0')));
}

TEST(InternedStringTest, ConcurrentInterningAgreesOnOneRepresentation) {
  // Every thread interns the same new texts; all must get the same handles.
  constexpr int kThreads = 4;
  constexpr int kTexts = 200;
  std::vector<std::vector<const std::string*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &seen] {
      for (int i = 0; i < kTexts; ++i) {
        seen[t].push_back(
            &InternedString("concurrent-" + std::to_string(i)).str());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t], seen[0]);
  EXPECT_EQ(*seen[0][7], "concurrent-7");
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
