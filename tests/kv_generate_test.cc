// `evictlab generate kv` (kv_generate.h): the generated trace re-reads
// through the Mooncake reader, is byte-identical for a seed, and its
// statistics (mix shares, blocks per request, prefix reuse) are what the
// parameters ask for, within tolerances derived from the parameters.
#include "evictlab/sim/kv_generate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "evictlab/sim/kv_simulator.h"
#include "evictlab/sim/kv_trace.h"
#include "evictlab/sim/replay.h"

namespace evictlab::sim {
namespace {

std::string generate_text(const KvGenParams& p, KvGenStats* stats = nullptr) {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* f = open_memstream(&data, &size);
  const KvGenStats s = generate_kv(p, f);
  std::fclose(f);
  std::string text(data, size);
  std::free(data);
  if (stats != nullptr) *stats = s;
  EXPECT_EQ(s.bytes, text.size());
  return text;
}

KvGenParams small() {
  KvGenParams p;
  p.requests = 2000;
  p.seed = 7;
  p.documents = 50;
  p.conversations = 20;
  return p;
}

TEST(KvGenerate, SameSeedSameBytesOtherSeedOtherBytes) {
  const KvGenParams p = small();
  const std::string a = generate_text(p);
  EXPECT_EQ(a, generate_text(p));
  KvGenParams q = p;
  q.seed = 8;
  EXPECT_NE(a, generate_text(q));
}

// The soak replays generate_kv_requests' requests as the simulator would
// replay generate_kv's file: they must be the same requests, and a callback
// returning false must stop the stream right there.
TEST(KvGenerate, RequestStreamIsTheWrittenTraceAndStopsEarly) {
  const KvGenParams p = small();
  const KvTrace written = parse_mooncake(generate_text(p), "generated.jsonl");
  KvTrace streamed;
  const KvGenStats all = generate_kv_requests(p, [&](const KvGenRequest& r) {
    EXPECT_EQ(r.n, kv_blocks_for_tokens(r.input_length));
    streamed.add_request(r.ids, r.n, r.input_length);
    return true;
  });
  EXPECT_EQ(all.requests, p.requests);
  EXPECT_EQ(all.bytes, 0u);
  EXPECT_EQ(streamed.blocks, written.blocks);
  EXPECT_EQ(streamed.offsets, written.offsets);
  EXPECT_EQ(streamed.input_length, written.input_length);

  std::uint64_t seen = 0;
  const KvGenStats some =
      generate_kv_requests(p, [&](const KvGenRequest&) { return ++seen < 10; });
  EXPECT_EQ(seen, 10u);
  EXPECT_EQ(some.requests, 10u);
  EXPECT_EQ(some.blocks, written.offsets[10]);
}

TEST(KvGenerate, RereadsAndEveryIdKeepsItsTokenCount) {
  KvGenStats stats;
  const std::string text = generate_text(small(), &stats);
  const KvTrace t = parse_mooncake(text, "generated.jsonl");
  ASSERT_EQ(t.size(), 2000u);
  EXPECT_EQ(t.blocks.size(), stats.blocks);
  EXPECT_EQ(stats.chat + stats.rag + stats.scan, stats.requests);
  absl::flat_hash_map<std::uint64_t, std::uint64_t> tokens;
  std::uint64_t total = 0;
  for (std::size_t r = 0; r < t.size(); ++r) {
    total += t.input_length[r];
    ASSERT_GE(t.n_blocks(r), 1u);
    for (std::uint64_t i = 0; i < t.n_blocks(r); ++i) {
      const auto [it, fresh] =
          tokens.try_emplace(t.blocks[t.offsets[r] + i], t.block_tokens(r, i));
      EXPECT_EQ(it->second, t.block_tokens(r, i)) << "request " << r;
    }
  }
  EXPECT_EQ(total, stats.tokens);
  // The first line, as written (the format is part of the contract).
  EXPECT_EQ(text.rfind("{\"timestamp\": 0, \"input_length\": ", 0), 0u);
}

// Kinds from the id layout (kv_generate.h): a scan starts with a new block,
// a rag request holds document blocks, a chat request is the rest.
enum Kind { kChat, kRag, kScan };
Kind kind_of(const KvTrace& t, std::size_t r, const KvGenParams& p) {
  if (t.blocks[t.offsets[r]] >= kv_gen_new_base(p)) return kScan;
  for (std::uint64_t x = t.offsets[r]; x < t.offsets[r + 1]; ++x) {
    if (t.blocks[x] >= kv_gen_doc_base(p) && t.blocks[x] < kv_gen_new_base(p)) {
      return kRag;
    }
  }
  return kChat;
}

TEST(KvGenerate, StatisticsMatchTheParameters) {
  KvGenParams p;
  p.requests = 200000;
  p.seed = 3;
  p.chat_weight = 0.5;
  p.rag_weight = 0.3;
  p.scan_weight = 0.2;
  p.system_prompts = 4;
  p.system_prompt_blocks = 2;
  p.conversations = 500;
  p.mean_turns = 4;
  p.turn_blocks = 3;
  p.max_context_blocks = 1000;  // P(binding) ~ 0.75^330: never
  p.documents = 100;
  p.doc_alpha = 0.8;
  p.doc_blocks = 6;
  p.query_blocks = 2;
  p.scan_blocks = 10;
  KvTrace t = parse_mooncake(generate_text(p), "generated.jsonl");
  const double n = static_cast<double>(t.size());
  double count[3] = {0, 0, 0};
  double blocks[3] = {0, 0, 0};
  for (std::size_t r = 0; r < t.size(); ++r) {
    const Kind k = kind_of(t, r, p);
    count[k] += 1;
    blocks[k] += static_cast<double>(t.n_blocks(r));
  }
  // Mix: each share is a binomial proportion; 5 standard deviations.
  const double w[3] = {p.chat_weight, p.rag_weight, p.scan_weight};
  for (int k = 0; k < 3; ++k) {
    const double tol = 5 * std::sqrt(w[k] * (1 - w[k]) / n);
    EXPECT_NEAR(count[k] / n, w[k], tol) << "kind " << k;
  }
  // Blocks per request: rag and scan are fixed by the parameters.
  const double S = p.system_prompt_blocks, T = p.mean_turns, m = p.turn_blocks;
  EXPECT_EQ(blocks[kRag], count[kRag] * (S + p.doc_blocks + p.query_blocks));
  EXPECT_EQ(blocks[kScan], count[kScan] * p.scan_blocks);
  // Chat: S + (T - 1)(m - 1) + m on average (the turn index is geometric
  // with mean T). Tolerance: 5 standard errors, with the per-request
  // standard deviation from the parameters (turn index variance (1-q)/q^2
  // with q = 1/T, new blocks U{1..2m-1}) and the design effect of one
  // conversation's correlated requests (at most E[L^2]/E[L] < 2T for a
  // geometric length L of mean T).
  const double q = 1 / T;
  const double chat_mean = S + (T - 1) * (m - 1) + m;
  const double chat_sd = std::sqrt((m - 1) * (m - 1) * (1 - q) / (q * q) +
                                   T * ((2 * m - 1) * (2 * m - 1) - 1) / 12);
  const double chat_tol = 5 * chat_sd * std::sqrt(2 * T / count[kChat]);
  EXPECT_NEAR(blocks[kChat] / count[kChat], chat_mean, chat_tol);
  EXPECT_LT(chat_tol, 0.05 * chat_mean);  // the check has teeth

  // Reuse: the share of block references an infinite cache serves (a
  // prefix hit). Chat reuses its prompt and history, S + (T-1)(m-1); rag
  // its prompt and document, S + doc_blocks; scan nothing. Tolerance: the
  // cold misses (each prompt and each (prompt, document) pair is new once)
  // plus the propagated mix and chat tolerances.
  const double hit[3] = {S + (T - 1) * (m - 1), S + p.doc_blocks, 0};
  const double per[3] = {chat_mean, S + p.doc_blocks + p.query_blocks,
                         static_cast<double>(p.scan_blocks)};
  auto expected = [&](const double* ws, double chat_shift) {
    double h = 0, b = 0;
    for (int k = 0; k < 3; ++k) {
      const double shift = k == kChat ? chat_shift : 0;
      h += ws[k] * (hit[k] + shift);
      b += ws[k] * (per[k] + shift);
    }
    return h / b;
  };
  const double reuse = expected(w, 0);
  double tol = std::abs(expected(w, chat_tol) - reuse);
  for (int k = 0; k < 3; ++k) {
    double ws[3] = {w[0], w[1], w[2]};
    ws[k] += 5 * std::sqrt(w[k] * (1 - w[k]) / n);
    tol += std::abs(expected(ws, 0) - reuse);
  }
  const double cold =
      p.system_prompts * S + p.system_prompts * p.documents * p.doc_blocks;
  tol += cold / static_cast<double>(t.blocks.size());
  compute_kv_next_access(t);
  const KvSimResult r = kv_simulate(t, "lru", kMaxCapacity);
  EXPECT_NEAR(r.block_hit_ratio(), reuse, tol);
  EXPECT_LT(tol, 0.02);
}

TEST(KvGenerate, BadParametersAreNamed) {
  KvGenParams p = small();
  p.mean_turns = 0.5;
  try {
    check_kv_gen_params(p);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "mean_turns: 0.5 must be a finite number >= 1");
  }
  p = small();
  p.chat_weight = p.rag_weight = p.scan_weight = 0;
  EXPECT_THROW(check_kv_gen_params(p), std::invalid_argument);
  p = small();
  p.max_context_blocks = 5;  // < 4 + 2*4 - 1
  EXPECT_THROW(check_kv_gen_params(p), std::invalid_argument);
}

}  // namespace
}  // namespace evictlab::sim
