// KV traces (SIM-SPEC section 5): Mooncake's JSON Lines request traces, one
// request per line, each a sequence of 512-token KV blocks whose ids are
// prefix hashes (equal ids = a reusable prefix), and the next-access pre-pass
// Belady needs in KV mode.
//
// A KvTrace is stored flat: every request's block ids concatenated in one
// vector, with per-request offsets and input lengths, so a 10^7-request trace
// costs 8 bytes per block reference plus 16 per request, and a replay walks
// memory in order.
//
// Thread-safety: the functions are reentrant; a KvTrace is a plain value
// (concurrent reads are safe).
#ifndef EVICTLAB_SIM_KV_TRACE_H_
#define EVICTLAB_SIM_KV_TRACE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evictlab/sim/trace.h"

namespace evictlab::sim {

// Tokens per KV block (Mooncake's block size; SIM-SPEC section 5).
inline constexpr std::uint64_t kKvBlockTokens = 512;

// The number of blocks a request of `input_length` tokens has:
// ceil(input_length / 512), without overflow. O(1).
constexpr std::uint64_t kv_blocks_for_tokens(std::uint64_t input_length) {
  return input_length / kKvBlockTokens +
         (input_length % kKvBlockTokens != 0 ? 1 : 0);
}

struct KvTrace {
  // Request r's blocks are blocks[offsets[r] .. offsets[r + 1]).
  std::vector<std::uint64_t> blocks;
  // size() + 1 entries, offsets[0] == 0.
  std::vector<std::uint64_t> offsets{0};
  // Prompt tokens per request (`input_length`).
  std::vector<std::uint64_t> input_length;
  // Per block reference (same indexing as `blocks`), filled by
  // compute_kv_next_access: see there. Empty otherwise.
  std::vector<std::int64_t> next_access;
  bool has_next_access = false;

  std::size_t size() const { return input_length.size(); }
  std::uint64_t n_blocks(std::size_t r) const {
    return offsets[r + 1] - offsets[r];
  }
  // Tokens of block i of request r: 512, except the last, which holds the
  // rest (input_length - 512 (n - 1)). REQUIRES: i < n_blocks(r).
  std::uint64_t block_tokens(std::size_t r, std::uint64_t i) const {
    return i + 1 < n_blocks(r)
               ? kKvBlockTokens
               : input_length[r] - kKvBlockTokens * (n_blocks(r) - 1);
  }
  // Appends one request. REQUIRES: ids.size() ==
  // kv_blocks_for_tokens(input_length) (the readers check it; TraceError
  // otherwise). Invalidates nothing but next_access (call
  // compute_kv_next_access again).
  void add_request(const std::uint64_t* ids, std::size_t n,
                   std::uint64_t input_tokens) {
    blocks.insert(blocks.end(), ids, ids + n);
    offsets.push_back(blocks.size());
    input_length.push_back(input_tokens);
    has_next_access = false;
  }
};

// Parses a Mooncake trace held in `text`; `name` (the file's path) prefixes
// errors. One JSON object per line, '\n'-separated (a trailing '\r' is
// dropped; the text may end with one newline):
//   {"timestamp": ms, "input_length": tokens, "output_length": tokens,
//    "hash_ids": [int, ...]}
// `input_length` and `hash_ids` are required; `timestamp` and
// `output_length` may be absent but, when present, must be non-negative
// numbers (output_length an integer); other members are ignored. Neither is
// kept (no policy uses them).
//
// Throws TraceError "<name>: line N: <reason>" (N 1-based) for: a line that
// is not JSON or not a JSON object, a blank line, a missing or non-integer
// `input_length` / `hash_ids` element, a `hash_ids` that is not an array, a
// negative value or one above 2^64-1, a `hash_ids` length other than
// ceil(input_length / 512) (which covers "empty hash_ids with input_length
// > 0"); and "<name>: <reason>" for an empty text.
// O(text size) time; memory: the KvTrace (no per-request allocation kept).
KvTrace parse_mooncake(std::string_view text, std::string_view name);

// Reads the file at `path` whole and parses it (parse_mooncake). Throws
// TraceError "<path>: <reason>" when it cannot be opened or read, and the
// parser's errors. With `with_next_access`, also compute_kv_next_access.
KvTrace read_mooncake(const std::string& path, bool with_next_access = true);

// Belady's future in KV mode. The next access of block reference x (request
// r, position i, block b) is the index into `blocks` of the first reference
// to b in the *next request after r that references b* (its first position
// there), or -1 when no later request references b. So a block's next access
// is "the next request that needs it", and among blocks the same future
// request needs, the one later in that request's prefix counts as farther
// away (it is useless without the ones before it). Repeats of b within
// request r itself are not "next": they are served by this request. O(total
// block references) expected time, one backward pass with a hash map of the
// distinct blocks (transient); 8 bytes per block reference kept.
void compute_kv_next_access(KvTrace& trace);

// The number of distinct block ids of the trace. O(block references)
// expected time, a transient hash set.
std::uint64_t count_distinct_blocks(const KvTrace& trace);

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_KV_TRACE_H_
