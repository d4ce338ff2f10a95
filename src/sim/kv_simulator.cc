#include "evictlab/sim/kv_simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "evictlab/internal/parallel_jobs.h"
#include "evictlab/registry.h"
#include "evictlab/sim/kv_replay.h"

namespace evictlab::sim {
namespace {

void validate(const KvTrace& trace, std::string_view policy,
              std::uint64_t cache_size, const KvSimOptions& options) {
  const auto names = simulator_policies();
  if (std::find(names.begin(), names.end(), policy) == names.end()) {
    throw std::invalid_argument(
        fmt::format("policy '{}': not a simulator policy (expected one of {})",
                    policy, fmt::join(names, ", ")));
  }
  if (cache_size == 0 || cache_size > kMaxCapacity) {
    throw std::invalid_argument(
        fmt::format("cache size {}: must be in [1, 2^53] bytes", cache_size));
  }
  check_kv_options(options);
  check_policy_params(policy, options.params_of(policy));
  if (policy_needs_future(policy) && !trace.has_next_access) {
    throw std::invalid_argument(fmt::format(
        "policy '{}' needs each block reference's next access: read the "
        "trace with next accesses (compute_kv_next_access)",
        policy));
  }
}

}  // namespace

void check_kv_options(const KvSimOptions& options) {
  if (options.bytes_per_token == 0 ||
      options.bytes_per_token > kMaxKvBytesPerToken) {
    throw std::invalid_argument(fmt::format(
        "bytes-per-token {}: must be in [1, 2^44]", options.bytes_per_token));
  }
  if (!(options.warmup_frac >= 0.0 && options.warmup_frac < 1.0)) {
    throw std::invalid_argument(
        fmt::format("warmup-frac {}: must be in [0, 1)", options.warmup_frac));
  }
}

KvSimResult kv_simulate(const KvTrace& trace, std::string_view policy,
                        std::uint64_t cache_size, const KvSimOptions& options) {
  validate(trace, policy, cache_size, options);
  KvSimResult result;
  with_policy_named(policy, [&](auto p) {
    if constexpr (decltype(p)::kTraits.evicts) {
      result = kv_replay<decltype(p)>(trace, cache_size, options,
                                      options.params_of(policy));
    }
  });
  return result;
}

std::vector<KvSimResult> kv_simulate_all(
    const KvTrace& trace, const std::vector<SimJob>& jobs,
    const KvSimOptions& options, unsigned threads,
    const std::function<void(std::size_t, std::size_t)>& on_done) {
  for (const SimJob& job : jobs) {
    validate(trace, job.policy, job.cache_size, options);
  }
  std::vector<KvSimResult> results(jobs.size());
  internal::run_jobs(
      jobs.size(), threads,
      [&](std::size_t i) {
        results[i] =
            kv_simulate(trace, jobs[i].policy, jobs[i].cache_size, options);
      },
      on_done);
  return results;
}

}  // namespace evictlab::sim
