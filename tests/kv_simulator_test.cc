// KV mode (SIM-SPEC section 5): the infinite-cache reference points of both
// shipped traces under every policy, hand-worked sequences that pin each rule
// of the request loop, the model presets' arithmetic, and thread-count
// independence.
#include "evictlab/sim/kv_simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "evictlab/registry.h"
#include "evictlab/sim/kv_models.h"
#include "evictlab/sim/kv_replay.h"
#include "evictlab/sim/kv_trace.h"

namespace evictlab::sim {
namespace {

const std::string kMooncake =
    std::string(EVICTLAB_SOURCE_DIR) + "/../shared/traces/mooncake/";

// A trace from (input_length, hash_ids) pairs, through the reader.
KvTrace kv(const std::vector<std::pair<int, std::vector<int>>>& requests) {
  std::string text;
  for (const auto& [tokens, ids] : requests) {
    text +=
        "{\"input_length\": " + std::to_string(tokens) + ", \"hash_ids\": [";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      text += (i ? ", " : "") + std::to_string(ids[i]);
    }
    text += "]}\n";
  }
  KvTrace t = parse_mooncake(text, "hand.jsonl");
  compute_kv_next_access(t);
  return t;
}

double round6(double x) { return std::round(x * 1e6) / 1e6; }

struct Reference {
  const char* file;
  std::uint64_t requests, references, distinct;
  double block_hit_ratio, token_hit_ratio;
};

class InfiniteCache : public ::testing::TestWithParam<Reference> {};

TEST_P(InfiniteCache, EveryPolicyGivesTheReferencePoints) {
  const Reference ref = GetParam();
  const KvTrace t = read_mooncake(kMooncake + ref.file);
  EXPECT_EQ(t.size(), ref.requests);
  EXPECT_EQ(t.blocks.size(), ref.references);
  EXPECT_EQ(count_distinct_blocks(t), ref.distinct);
  for (const std::string& policy : simulator_policies()) {
    SCOPED_TRACE(policy);
    const KvSimResult r = kv_simulate(t, policy, kMaxCapacity);
    EXPECT_EQ(r.n_req, ref.requests);
    EXPECT_EQ(r.n_block, ref.references);
    EXPECT_EQ(r.n_store, ref.distinct);  // every distinct block once
    EXPECT_EQ(r.n_evict, 0u);
    EXPECT_EQ(r.n_store_failure, 0u);
    EXPECT_EQ(round6(r.block_hit_ratio()), ref.block_hit_ratio);
    EXPECT_EQ(round6(r.token_hit_ratio()), ref.token_hit_ratio);
  }
}

INSTANTIATE_TEST_SUITE_P(
    ShippedTraces, InfiniteCache,
    ::testing::Values(Reference{"conversation_trace.jsonl", 12031, 288500,
                                182790, 0.366412, 0.373624},
                      Reference{"synthetic_trace.jsonl", 3993, 121877, 43924,
                                0.639604, 0.651244}));

TEST(KvRules, HitsAreTouchedInReverseSoTheFirstBlockIsNewest) {
  // lru, 3 blocks. [1 2] stored (1 older); [1 2] hits, touched 2 then 1, so
  // 1 ends newest; [3] fills; [4] evicts the oldest, 2 (a forward touch
  // would have evicted 1); [1] hits.
  const KvTrace t = kv({{1024, {1, 2}},
                        {1024, {1, 2}},
                        {512, {3}},
                        {512, {4}},
                        {512, {1}},
                        {512, {2}}});
  const KvSimResult r = kv_simulate(t, "lru", 3 * 512);
  EXPECT_EQ(r.n_block_hit, 3u);  // 2 in request 2, 1 in request 5
  EXPECT_EQ(r.n_evict, 2u);      // 2 by [4], then 3 by [2]
  EXPECT_EQ(r.n_store, 5u);
}

TEST(KvRules, ResidentBlockAfterBrokenPrefixIsSkippedAndProtected) {
  // fifo, 4 blocks. [1 2 3], [4], [5] evicts 1. [1 2 3]: no hit (1 is
  // missing); 2 and 3 are resident, so storing 1 passes over them (they are
  // the request's) and evicts 4; 2 and 3 are skipped, not counted as hits.
  // [2] then hits.
  const KvTrace t = kv({{1536, {1, 2, 3}},
                        {512, {4}},
                        {512, {5}},
                        {1536, {1, 2, 3}},
                        {512, {2}}});
  const KvSimResult r = kv_simulate(t, "fifo", 4 * 512);
  EXPECT_EQ(r.n_store, 6u);  // 1 2 3, 4, 5, 1
  EXPECT_EQ(r.n_evict, 2u);  // 1, then 4
  EXPECT_EQ(r.n_block_hit, 1u);
  EXPECT_EQ(r.n_token_hit, 512u);
}

TEST(KvRules, OwnBlocksAreNeverVictimsAndAFailureStopsTheRequest) {
  // 2 blocks of room. [1 2 3 4]: 1 and 2 are stored; 3 could only evict
  // the request's own blocks, so it is not stored, 4 is not tried, and the
  // request counts one failure. [1 2] then hits both. Every policy.
  const KvTrace t = kv({{2048, {1, 2, 3, 4}}, {1024, {1, 2}}});
  KvSimOptions options;
  // s3fifo declines blocks not smaller than its small queue (10% of the
  // cache by default): give it a small queue that admits one.
  options.params.try_emplace("s3fifo", "s3fifo")
      .first->second.set("fifo-size-ratio", "0.6");
  for (const std::string& policy : simulator_policies()) {
    SCOPED_TRACE(policy);
    const KvSimResult r = kv_simulate(t, policy, 2 * 512, options);
    EXPECT_EQ(r.n_store, 2u);
    EXPECT_EQ(r.n_store_failure, 1u);
    EXPECT_EQ(r.n_evict, 0u);
    EXPECT_EQ(r.n_block_hit, 2u);
    EXPECT_EQ(r.n_block, 6u);
  }
}

TEST(KvRules, LastBlockHoldsTheRemainingTokens) {
  // 1000 tokens = 512 + 488: exactly fits a 1000-token cache, and a second
  // identical request saves all 1000 tokens.
  const KvTrace t = kv({{1000, {1, 2}}, {1000, {1, 2}}});
  KvSimResult r = kv_simulate(t, "lru", 1000);
  EXPECT_EQ(r.n_token, 2000u);
  EXPECT_EQ(r.n_token_hit, 1000u);
  EXPECT_DOUBLE_EQ(r.token_hit_ratio(), 0.5);
  EXPECT_EQ(r.n_store_failure, 0u);
  // One token less: the 488-token block cannot be stored beside block 1.
  r = kv_simulate(t, "lru", 999);
  EXPECT_EQ(r.n_store_failure, 2u);
  EXPECT_EQ(r.n_token_hit, 512u);  // block 1 only, in request 2
}

TEST(KvRules, BytesPerTokenScalesSizesAndByteCounters) {
  const KvTrace t = read_mooncake(kMooncake + "synthetic_trace.jsonl");
  KvSimOptions tokens;
  KvSimOptions bytes;
  bytes.bytes_per_token = 131072;
  // Not arc: its target p moves by at least one byte per ghost hit
  // (SIM-SPEC 4), which is not invariant under scaling the sizes.
  for (const char* policy : {"lru", "fifo", "lfu", "belady"}) {
    SCOPED_TRACE(policy);
    const KvSimResult a = kv_simulate(t, policy, 4096 * 512, tokens);
    const KvSimResult b =
        kv_simulate(t, policy, std::uint64_t{4096} * 512 * 131072, bytes);
    EXPECT_GT(a.n_evict, 0u);
    EXPECT_EQ(a.n_block_hit, b.n_block_hit);
    EXPECT_EQ(a.n_token_hit, b.n_token_hit);
    EXPECT_EQ(a.n_evict, b.n_evict);
    EXPECT_EQ(a.n_byte, a.n_token);
    EXPECT_EQ(b.n_byte, b.n_token * 131072);
    EXPECT_EQ(b.n_byte_hit, b.n_token_hit * 131072);
    EXPECT_EQ(b.bytes_per_token, 131072u);
  }
}

TEST(KvRules, WarmupRequestsAreAppliedNotCounted) {
  const KvTrace t = kv({{512, {1}}, {512, {1}}});
  KvSimOptions options;
  options.warmup_frac = 0.5;
  const KvSimResult r = kv_simulate(t, "fifo", 512, options);
  EXPECT_EQ(r.n_req, 1u);
  EXPECT_EQ(r.n_block_hit, 1u);
  EXPECT_EQ(r.n_store, 0u);
}

TEST(KvRules, BeladyKeepsTheBlocksNeededSoonest) {
  // 2 blocks. [1], [2], [3]: Belady evicts 2 (never used again) rather than
  // 1 (used by the last request); lru evicts 1.
  const KvTrace t = kv({{512, {1}}, {512, {2}}, {512, {3}}, {512, {1}}});
  EXPECT_EQ(kv_simulate(t, "belady", 1024).n_block_hit, 1u);
  EXPECT_EQ(kv_simulate(t, "lru", 1024).n_block_hit, 0u);
}

TEST(KvSimulateAll, ResultsDoNotDependOnThreadCount) {
  // The smaller shipped trace, so that the ASan build stays quick.
  const KvTrace t = read_mooncake(kMooncake + "synthetic_trace.jsonl");
  std::vector<SimJob> jobs;
  for (const std::string& p : simulator_policies()) {
    for (std::uint64_t c : {2000u * 512, 8000u * 512}) jobs.push_back({p, c});
  }
  const KvSimResult infinite = kv_simulate(t, "fifo", kMaxCapacity);
  const auto one = kv_simulate_all(t, jobs, {}, 1);
  const auto two = kv_simulate_all(t, jobs, {}, 2);
  ASSERT_EQ(one.size(), jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    SCOPED_TRACE(jobs[i].policy + " " + std::to_string(jobs[i].cache_size));
    EXPECT_EQ(one[i].policy, jobs[i].policy);
    EXPECT_EQ(one[i].n_block_hit, two[i].n_block_hit);
    EXPECT_EQ(one[i].n_token_hit, two[i].n_token_hit);
    EXPECT_EQ(one[i].n_evict, two[i].n_evict);
    EXPECT_EQ(one[i].n_store, two[i].n_store);
    EXPECT_EQ(one[i].n_store_failure, two[i].n_store_failure);
    // A finite cache: at most the infinite cache's hits (belady reaches
    // them at these sizes).
    EXPECT_LE(one[i].n_block_hit, infinite.n_block_hit);
    EXPECT_GT(one[i].n_evict, 0u);
  }
}

TEST(KvSimulate, BadArgumentsAreNamed) {
  const KvTrace t = kv({{512, {1}}});
  KvSimOptions options;
  options.bytes_per_token = 0;
  EXPECT_THROW(kv_simulate(t, "lru", 512, options), std::invalid_argument);
  EXPECT_THROW(kv_simulate(t, "nope", 512), std::invalid_argument);
  EXPECT_THROW(kv_simulate(t, "lru", 0), std::invalid_argument);
  KvTrace no_future =
      parse_mooncake("{\"input_length\": 1, \"hash_ids\": [1]}", "x.jsonl");
  try {
    kv_simulate(no_future, "belady", 512);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("belady"), std::string::npos);
  }
}

TEST(KvModels, BytesPerTokenFromPublishedConfigs) {
  const std::uint32_t bf16 = *kv_dtype_bytes("bf16");
  EXPECT_EQ(bf16, 2u);
  EXPECT_EQ(find_kv_model("llama-3.1-8b")->bytes_per_token(bf16), 131072u);
  EXPECT_EQ(find_kv_model("llama-3.1-70b")->bytes_per_token(bf16), 327680u);
  EXPECT_EQ(find_kv_model("qwen2.5-7b")->bytes_per_token(bf16), 57344u);
  EXPECT_EQ(find_kv_model("mistral-7b-v0.3")->bytes_per_token(bf16), 131072u);
  // MLA: 27 layers x (512 + 64), no x2.
  EXPECT_EQ(find_kv_model("deepseek-v2-lite")->bytes_per_token(bf16), 31104u);
  EXPECT_EQ(
      find_kv_model("Llama-3.1-8B")->bytes_per_token(*kv_dtype_bytes("fp8")),
      65536u);
  EXPECT_EQ(*kv_dtype_bytes("fp32"), 4u);
  EXPECT_EQ(find_kv_model("gpt-5"), nullptr);
  EXPECT_FALSE(kv_dtype_bytes("fp4").has_value());
}

}  // namespace
}  // namespace evictlab::sim
