// KV mode of the simulator (`evictlab simulate --format mooncake`,
// ../shared/SIM-SPEC.md sections 5 and 6): replays a KvTrace's requests
// against a byte-sized cache of KV blocks under one registry policy, with
// prefix lookup, reverse touch and pinned stores (kv_replay.h), and counts
// blocks, tokens and bytes hit.
//
// Every policy of simulator_policies() (simulator.h) runs here; the request
// loop is kv_replay<Policy>, dispatched by name. There is no second
// implementation of any policy.
//
// Thread-safety: kv_simulate() builds its own cache; concurrent calls on one
// const KvTrace are safe. kv_simulate_all() runs jobs on `threads` threads;
// every result is independent of the thread count.
#ifndef EVICTLAB_SIM_KV_SIMULATOR_H_
#define EVICTLAB_SIM_KV_SIMULATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "evictlab/policy_params.h"
#include "evictlab/sim/kv_trace.h"
#include "evictlab/sim/simulator.h"

namespace evictlab::sim {

// The largest --kv-bytes-per-token: a full block (512 tokens) must stay
// within kMaxCapacity (2^53 bytes, replay.h).
inline constexpr std::uint64_t kMaxKvBytesPerToken = std::uint64_t{1} << 44;

struct KvSimOptions {
  // Bytes of KV cache per token (1: capacities count tokens). In
  // [1, kMaxKvBytesPerToken].
  std::uint64_t bytes_per_token = 1;
  // The first floor(n * warmup_frac) requests are applied, not counted.
  double warmup_frac = 0.0;
  // Parameters by policy name, as SimOptions::params.
  std::map<std::string, PolicyParams, std::less<>> params;

  const PolicyParams& params_of(std::string_view policy) const {
    static const PolicyParams kNone;
    const auto it = params.find(policy);
    return it == params.end() ? kNone : it->second;
  }
};

// SIM-SPEC section 5's counters for one (policy, cache size). Counted over
// the requests after the warm-up.
struct KvSimResult {
  std::string policy;
  std::uint64_t cache_size = 0;       // bytes
  std::uint64_t bytes_per_token = 1;  // as run
  std::uint64_t n_req = 0;            // requests
  std::uint64_t n_block = 0;          // block references (sum of n)
  std::uint64_t n_block_hit = 0;      // sum of k (prefix hits)
  std::uint64_t n_token = 0;          // sum of input_length
  std::uint64_t n_token_hit = 0;      // tokens of the hit blocks
  std::uint64_t n_byte = 0;           // n_token * bytes_per_token
  std::uint64_t n_byte_hit = 0;       // n_token_hit * bytes_per_token
  std::uint64_t n_store = 0;          // blocks stored
  std::uint64_t n_store_failure = 0;  // requests whose store stopped
  std::uint64_t n_evict = 0;          // blocks evicted
  double seconds = 0.0;               // wall time of the request loop

  double block_hit_ratio() const {
    return n_block == 0 ? 0.0 : static_cast<double>(n_block_hit) / n_block;
  }
  // The share of prefill tokens the cache saves.
  double token_hit_ratio() const {
    return n_token == 0 ? 0.0 : static_cast<double>(n_token_hit) / n_token;
  }
  double req_per_s() const { return seconds > 0 ? n_req / seconds : 0.0; }
};

// Throws std::invalid_argument naming "bytes-per-token" or "warmup-frac"
// when out of range.
void check_kv_options(const KvSimOptions& options);

// Throws std::invalid_argument naming the policy when it is not one of
// simulator_policies(), when it needs the future and the trace has no next
// accesses, and the capacity when it is 0 or above 2^53; ConfigError naming
// the field for a bad parameter; check_kv_options' errors.
KvSimResult kv_simulate(const KvTrace& trace, std::string_view policy,
                        std::uint64_t cache_size,
                        const KvSimOptions& options = {});

// Runs every job on `threads` threads (0: one per core) and returns the
// results in job order; `on_done(finished, total)` as simulate_all's.
// Arguments are validated before any job starts.
std::vector<KvSimResult> kv_simulate_all(
    const KvTrace& trace, const std::vector<SimJob>& jobs,
    const KvSimOptions& options, unsigned threads,
    const std::function<void(std::size_t, std::size_t)>& on_done = {});

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_KV_SIMULATOR_H_
