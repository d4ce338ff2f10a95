#include "evictlab/sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "evictlab/caller.h"
#include "evictlab/internal/parallel_jobs.h"
#include "evictlab/kv_object.h"
#include "evictlab/registry.h"
#include "evictlab/sim/replay.h"
#include "evictlab/sim/sharded_replay.h"

namespace evictlab::sim {
namespace {

void validate(std::string_view policy, std::uint64_t cache_size,
              const SimOptions& options) {
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
  if (!(options.warmup_frac >= 0.0 && options.warmup_frac < 1.0)) {
    throw std::invalid_argument(
        fmt::format("warmup-frac {}: must be in [0, 1)", options.warmup_frac));
  }
  if (options.shards > cache_size) {
    throw std::invalid_argument(
        fmt::format("shards {}: more shards than the cache size's {} bytes",
                    options.shards, cache_size));
  }
  check_policy_params(policy, options.params_of(policy));
}

void validate_trace(const Trace& trace, std::string_view policy) {
  if (policy_needs_future(policy) && !trace.has_next_access) {
    throw std::invalid_argument(fmt::format(
        "policy '{}' needs each request's next access: read the trace with "
        "next accesses (compute_next_access)",
        policy));
  }
}

}  // namespace

void check_policy_params(std::string_view policy, const PolicyParams& params) {
  // Constructing the evictor reads and checks its parameters.
  const bool found = with_policy_named(policy, [&](auto p) {
    using Evictor = typename decltype(p)::template Evictor<SimDict>;
    (void)make_evictor<Evictor>(1.0, params);
  });
  if (!found) {
    throw std::invalid_argument(fmt::format("policy '{}': unknown", policy));
  }
}

bool policy_needs_future(std::string_view policy) {
  bool needs = false;
  with_policy_named(policy, [&](auto p) {
    needs = decltype(p)::kTraits.needs_future_knowledge;
  });
  return needs;
}

std::string unsimulated_policy_reason(std::string_view policy,
                                      std::string_view one_of) {
  bool known = false, evicts = false;
  with_policy_named(policy, [&](auto p) {
    known = true;
    evicts = decltype(p)::kTraits.evicts;
  });
  if (known && evicts) return {};
  if (known) {
    // A cache that never evicts only grows: every size gives the same
    // misses (the compulsory ones), so a simulation would say nothing.
    return fmt::format(
        "'{}' never evicts (a registry policy for the LMCache evictor "
        "interface), so it has nothing to simulate (expected {} {})",
        policy, one_of, fmt::join(simulator_policies(), ", "));
  }
  return fmt::format("unknown policy '{}' (expected {} {})", policy, one_of,
                     fmt::join(simulator_policies(), ", "));
}

std::vector<std::string> simulator_policies() {
  std::vector<std::string> names;
  for_each_policy([&](auto p) {
    if (decltype(p)::kTraits.evicts) {
      names.emplace_back(decltype(p)::kTraits.name);
    }
  });
  return names;
}

SimResult simulate(const Trace& trace, std::string_view policy,
                   std::uint64_t cache_size, const SimOptions& options) {
  validate(policy, cache_size, options);
  validate_trace(trace, policy);
  SimResult result;
  with_policy_named(policy, [&](auto p) {
    if constexpr (decltype(p)::kTraits.evicts) {
      if (options.shards > 0) {
        result =
            replay_sharded<decltype(p)>(trace, cache_size, options.shards,
                                        options, options.params_of(policy));
      } else {
        result = replay<decltype(p)>(trace, cache_size, options,
                                     options.params_of(policy));
      }
    }
  });
  return result;
}

std::vector<SimResult> simulate_all(
    const Trace& trace, const std::vector<SimJob>& jobs,
    const SimOptions& options, unsigned threads,
    const std::function<void(std::size_t, std::size_t)>& on_done) {
  for (const SimJob& job : jobs) {
    validate(job.policy, job.cache_size, options);
    validate_trace(trace, job.policy);
  }
  std::vector<SimResult> results(jobs.size());
  internal::run_jobs(
      jobs.size(), threads,
      [&](std::size_t i) {
        results[i] =
            simulate(trace, jobs[i].policy, jobs[i].cache_size, options);
      },
      on_done);
  return results;
}

}  // namespace evictlab::sim
