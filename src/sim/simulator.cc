#include "evictlab/sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "evictlab/caller.h"
#include "evictlab/kv_object.h"
#include "evictlab/registry.h"

namespace evictlab::sim {
namespace {

using Dict = DefaultDict::Type<std::uint64_t, KVObject>;

// Limits given to the evictors as `max_cache_size_gb`: bytes / 2^30 is exact
// in a double, and the evictors' int(gb * 2^30) gives the bytes back, for
// every integer below 2^53.
constexpr std::uint64_t kMaxCapacity = std::uint64_t{1} << 53;

template <class Policy>
SimResult run(const Trace& trace, std::uint64_t cache_size,
              const SimOptions& options) {
  using Evictor = typename Policy::template Evictor<Dict>;
  Evictor evictor(static_cast<double>(cache_size) / 1073741824.0);
  Dict dict;
  PutResult<std::uint64_t> scratch;

  SimResult r;
  r.policy = std::string(Policy::kTraits.name);
  r.cache_size = cache_size;
  const std::size_t n = trace.requests.size();
  const auto warmup = static_cast<std::size_t>(
      std::floor(static_cast<double>(n) * options.warmup_frac));
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const Request& req = trace.requests[i];
    const std::uint64_t size = options.ignore_obj_size ? 1 : req.size;
    const bool counted = i >= warmup;
    if (counted) {
      ++r.n_req;
      r.n_req_byte += size;
    }
    if (dict.contains(req.id)) {
      evictor.update_on_get(req.id, dict);
      continue;
    }
    if (counted) {
      ++r.n_miss;
      r.n_miss_byte += size;
    }
    // size > capacity: the evictor answers ILLEGAL and nothing changes.
    const auto bytes =
        static_cast<std::int64_t>(std::min<std::uint64_t>(size, kMaxCapacity));
    put_blocking(evictor, dict, req.id, KVObject(KVObj{0, bytes, {}}), bytes,
                 scratch);
  }
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return r;
}

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
}

}  // namespace

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
  SimResult result;
  with_policy_named(policy, [&](auto p) {
    if constexpr (decltype(p)::kTraits.evicts) {
      result = run<decltype(p)>(trace, cache_size, options);
    }
  });
  return result;
}

std::vector<SimResult> simulate_all(
    const Trace& trace, const std::vector<SimJob>& jobs,
    const SimOptions& options, unsigned threads,
    const std::function<void(std::size_t, std::size_t)>& on_done) {
  for (const SimJob& job : jobs) validate(job.policy, job.cache_size, options);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(
      std::min<std::size_t>(threads, std::max<std::size_t>(1, jobs.size())));

  std::vector<SimResult> results(jobs.size());
  std::atomic<std::size_t> next{0};
  std::size_t finished = 0;
  std::mutex done_mu;
  std::exception_ptr error;
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      try {
        results[i] =
            simulate(trace, jobs[i].policy, jobs[i].cache_size, options);
      } catch (...) {
        std::lock_guard<std::mutex> lock(done_mu);
        if (!error) error = std::current_exception();
        next = jobs.size();  // stop handing out jobs
        return;
      }
      std::lock_guard<std::mutex> lock(done_mu);
      ++finished;
      if (on_done) on_done(finished, jobs.size());
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return results;
}

}  // namespace evictlab::sim
