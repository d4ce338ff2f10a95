// Fuzz harness of the Mooncake JSONL reader (sim/kv_trace.h parse_mooncake)
// and of the KV replay of what it accepts. The input is the trace's text.
//
// Checks: a parse either succeeds or throws TraceError "<name>: line N: ..."
// (or "<name>: empty trace") with N a line of the text; nothing else
// escapes. A successful parse has one request per line, each with
// ceil(input_length / 512) blocks and consistent offsets. Its replay through
// lru and belady at a 3-block cache (so evictions and failed stores happen
// on small inputs) keeps SIM-SPEC section 5's counters consistent:
// n_req/n_block/n_token are the trace's, hits never exceed references,
// stores only fill misses, evictions only remove stored blocks, and at
// most one store failure per request.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "evictlab/sim/kv_simulator.h"
#include "evictlab/sim/kv_trace.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using evictlab::sim::KvSimResult;
using evictlab::sim::KvTrace;
using evictlab::sim::TraceError;

constexpr std::string_view kName = "fuzz.jsonl";
// Three full blocks of tokens (bytes_per_token 1).
constexpr std::uint64_t kCacheSize = 3 * evictlab::sim::kKvBlockTokens;

void check_error(const TraceError& e, std::string_view text) {
  const std::string what = e.what();
  const std::string prefix = std::string(kName) + ": ";
  EVICTLAB_FUZZ_CHECK(evictlab::fuzz::starts_with(what, prefix),
                      "message does not start with the name: %s", what.c_str());
  if (e.index() == 0) {
    EVICTLAB_FUZZ_CHECK(text.empty() && what == prefix + "empty trace",
                        "an error without a line: %s", what.c_str());
    return;
  }
  const auto lines =
      static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')) +
      1;
  EVICTLAB_FUZZ_CHECK(e.index() <= lines, "line %llu of a %llu-line text",
                      static_cast<unsigned long long>(e.index()),
                      static_cast<unsigned long long>(lines));
  EVICTLAB_FUZZ_CHECK(
      evictlab::fuzz::starts_with(
          what, prefix + "line " + std::to_string(e.index()) + ": "),
      "message does not name line %llu: %s",
      static_cast<unsigned long long>(e.index()), what.c_str());
}

void check_replay(const KvTrace& t, const KvSimResult& r, const char* policy) {
  std::uint64_t tokens = 0;
  for (std::uint64_t n : t.input_length) tokens += n;
  EVICTLAB_FUZZ_CHECK(r.n_req == t.size() && r.n_block == t.blocks.size() &&
                          r.n_token == tokens && r.n_byte == r.n_token,
                      "%s: n_req %llu n_block %llu n_token %llu", policy,
                      static_cast<unsigned long long>(r.n_req),
                      static_cast<unsigned long long>(r.n_block),
                      static_cast<unsigned long long>(r.n_token));
  EVICTLAB_FUZZ_CHECK(
      r.n_block_hit <= r.n_block && r.n_token_hit <= r.n_token &&
          r.n_token_hit <= r.n_block_hit * evictlab::sim::kKvBlockTokens &&
          r.n_byte_hit == r.n_token_hit,
      "%s: hits %llu of %llu blocks, %llu of %llu tokens", policy,
      static_cast<unsigned long long>(r.n_block_hit),
      static_cast<unsigned long long>(r.n_block),
      static_cast<unsigned long long>(r.n_token_hit),
      static_cast<unsigned long long>(r.n_token));
  EVICTLAB_FUZZ_CHECK(r.n_store <= r.n_block - r.n_block_hit &&
                          r.n_evict <= r.n_store &&
                          r.n_store_failure <= r.n_req,
                      "%s: %llu stores, %llu evictions, %llu store failures",
                      policy, static_cast<unsigned long long>(r.n_store),
                      static_cast<unsigned long long>(r.n_evict),
                      static_cast<unsigned long long>(r.n_store_failure));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  KvTrace trace;
  try {
    trace = evictlab::sim::parse_mooncake(text, kName);
  } catch (const TraceError& e) {
    check_error(e, text);
    return 0;
  }
  const std::size_t n = trace.size();
  EVICTLAB_FUZZ_CHECK(n > 0, "a successful parse with no request");
  EVICTLAB_FUZZ_CHECK(trace.offsets.size() == n + 1 && trace.offsets[0] == 0 &&
                          trace.offsets[n] == trace.blocks.size(),
                      "offsets: %zu for %zu requests", trace.offsets.size(), n);
  for (std::size_t r = 0; r < n; ++r) {
    EVICTLAB_FUZZ_CHECK(
        trace.n_blocks(r) ==
            evictlab::sim::kv_blocks_for_tokens(trace.input_length[r]),
        "request %zu: %llu blocks for input_length %llu", r,
        static_cast<unsigned long long>(trace.n_blocks(r)),
        static_cast<unsigned long long>(trace.input_length[r]));
  }
  // Replays stay cheap: a 100 kB input holds at most ~50k block ids.
  check_replay(trace, evictlab::sim::kv_simulate(trace, "lru", kCacheSize),
               "lru");
  evictlab::sim::compute_kv_next_access(trace);
  check_replay(trace, evictlab::sim::kv_simulate(trace, "belady", kCacheSize),
               "belady");
  return 0;
}
