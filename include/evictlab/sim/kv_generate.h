// The KV workload generator of `evictlab generate kv`: seeded, deterministic
// Mooncake JSON Lines (kv_trace.h) with the structures LLM services show,
// streamed out in bounded memory so that 10^7 requests are practical.
//
// Each request is one of three kinds, drawn independently with probabilities
// proportional to the weights:
//   chat  [system prompt][conversation history][new turn]: a multi-turn
//         conversation whose context grows turn by turn. `conversations`
//         slots each hold one live conversation; a chat request picks a slot
//         uniformly and continues its conversation. A conversation starts
//         with a system prompt (uniform over `system_prompts`) and ends after
//         each turn with probability 1 / mean_turns (so its number of turns
//         is geometric with mean `mean_turns`), or before a turn that would
//         exceed `max_context_blocks`; the slot then starts a new one. A turn
//         adds U{1 .. 2 turn_blocks - 1} new blocks (mean `turn_blocks`);
//         all but the last become history for the next turn.
//   rag   [system prompt][document][query]: a document drawn Zipf(doc_alpha)
//         over `documents` (rank 1 most popular), `doc_blocks` blocks, after
//         a uniform system prompt, then `query_blocks` new blocks.
//   scan  `scan_blocks` new blocks: one-shot prompts that are never reused.
// Every request's last block is new and holds U{1 .. 512} tokens (a partial
// block's hash never recurs, as with real prefix hashes), every other block
// 512, so each id always has the same token count. Ids are prefix hashes in
// meaning: a document's blocks after system prompt s have ids of their own
// per s. Ids are small integers in three ranges, hence collision-free:
// with P = system_prompts, S = system_prompt_blocks, D = documents, B =
// doc_blocks, prompt s block i is 1 + s S + i; document d after prompt s,
// block i, is 1 + P S + (s D + d) B + i; new blocks count up from
// 1 + P S + P D B (kv_gen_new_base).
//
// Expected values (the generator's test checks them): with S =
// system_prompt_blocks, T = mean_turns, m = turn_blocks, and a context cap
// that rarely binds, a chat request has S + (T - 1)(m - 1) + m blocks of
// which S + (T - 1)(m - 1) are a reused prefix (the turn index of a chat
// request is geometric with mean T); a rag request has S + doc_blocks +
// query_blocks, of which S + doc_blocks are reused once their (prompt,
// document) pair was seen; a scan has scan_blocks, none reused.
//
// Other fields: `timestamp` = floor(i * 1000 / rate) ms for request i
// (0-based), `output_length` U{1 .. 2 mean_output - 1}.
//
// Determinism: std::mt19937_64 seeded with `seed`, integers drawn through
// uniform_from_bits (generate.h), the Zipf sampler of generate.h: the same
// parameters give a byte-identical file on every machine (up to std::pow's
// last bit for doc_alpha not in {0, 1}, as generate.h says).
//
// Memory: the live conversations' histories (at most conversations x
// max_context_blocks ids) and the Zipf table (8 bytes per document), not the
// trace. Thread-safety: reentrant.
#ifndef EVICTLAB_SIM_KV_GENERATE_H_
#define EVICTLAB_SIM_KV_GENERATE_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace evictlab::sim {

struct KvGenParams {
  std::uint64_t requests = 0;  // in [1, 2^40]
  std::uint64_t seed = 1;
  // Mix weights, >= 0, not all 0.
  double chat_weight = 0.5;
  double rag_weight = 0.3;
  double scan_weight = 0.2;
  // Shared system prompts (chat and rag): count in [1, 2^20], blocks in
  // [0, 2^16).
  std::uint64_t system_prompts = 16;
  std::uint64_t system_prompt_blocks = 4;
  // Chat: live conversations in [1, 2^20], mean turns >= 1, mean new blocks
  // per turn in [1, 2^15], context cap in [2, 2^16).
  std::uint64_t conversations = 1000;
  double mean_turns = 5.0;
  std::uint64_t turn_blocks = 4;
  std::uint64_t max_context_blocks = 256;
  // RAG: documents in [1, 2^24], Zipf exponent >= 0, blocks per document in
  // [1, 2^16), new query blocks >= 1.
  std::uint64_t documents = 10000;
  double doc_alpha = 1.0;
  std::uint64_t doc_blocks = 8;
  std::uint64_t query_blocks = 1;
  // Scan: blocks per one-shot request, >= 1.
  std::uint64_t scan_blocks = 16;
  // Arrival rate in requests per second (> 0) and mean output tokens (>= 1).
  double rate = 10.0;
  std::uint64_t mean_output = 256;
};

// What a generation wrote.
struct KvGenStats {
  std::uint64_t requests = 0;
  std::uint64_t chat = 0, rag = 0, scan = 0;  // requests per kind
  std::uint64_t blocks = 0;                   // block references
  std::uint64_t tokens = 0;                   // sum of input_length
  std::uint64_t bytes = 0;                    // bytes written
};

// The first id of a new block: every smaller id is a system prompt's or a
// document's. O(1).
inline std::uint64_t kv_gen_new_base(const KvGenParams& p) {
  return 1 + p.system_prompts * p.system_prompt_blocks +
         p.system_prompts * p.documents * p.doc_blocks;
}
// The first id of a document block (the prompts' ids are below it).
inline std::uint64_t kv_gen_doc_base(const KvGenParams& p) {
  return 1 + p.system_prompts * p.system_prompt_blocks;
}

// One generated request, as generate_kv_requests hands it over. `ids` points
// into the generator's scratch vector: valid only during the callback.
struct KvGenRequest {
  const std::uint64_t* ids = nullptr;
  std::size_t n = 0;  // blocks, == kv_blocks_for_tokens(input_length)
  std::uint64_t input_length = 0;
  std::uint64_t output_length = 0;
  std::uint64_t timestamp = 0;  // ms
};

// Throws std::invalid_argument naming the field (e.g. "mean_turns: 0.5 must
// be >= 1") when a parameter is out of the ranges above.
void check_kv_gen_params(const KvGenParams& params);

// The requests generate_kv writes, in order, handed to `on_request` instead
// of formatted: the soak (`evictlab soak`) replays them as they are made, so
// 10^8 block references need no trace in memory or on disk. Stops after
// params.requests, or early when `on_request` returns false (the stats then
// count the requests handed over, that one included; `bytes` is 0). Throws
// check_kv_gen_params' errors before the first call, and whatever
// `on_request` throws. Memory as generate_kv's.
KvGenStats generate_kv_requests(
    const KvGenParams& params,
    const std::function<bool(const KvGenRequest&)>& on_request);

// Writes the trace to `out` (one line per request, '\n'-terminated), in
// 1 MiB chunks. Throws check_kv_gen_params' errors before writing anything,
// and std::runtime_error when a write fails. O(requests x blocks per
// request) time.
KvGenStats generate_kv(const KvGenParams& params, std::FILE* out);

// The same into the file at `path` (created or truncated); TraceWriteError
// (generate.h) when it cannot be opened, written or closed (a partially
// written regular file is then removed).
KvGenStats generate_kv(const KvGenParams& params, const std::string& path);

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_KV_GENERATE_H_
