// run_jobs: the simulators' worker pool (simulate_all, kv_simulate_all).
// Jobs are handed out one at a time from an atomic counter, so their results
// (written by index) do not depend on the thread count or on which thread ran
// which job. Users must not include this.
#ifndef EVICTLAB_INTERNAL_PARALLEL_JOBS_H_
#define EVICTLAB_INTERNAL_PARALLEL_JOBS_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace evictlab::internal {

// Calls run(i) for every i in [0, n) on `threads` threads (0: one per core;
// never more than n), the calling thread included. `on_done(finished, n)`
// is called after each job, one call at a time. The first exception a job
// throws stops handing out jobs and is rethrown here once all threads
// joined.
template <class Run>
void run_jobs(std::size_t n, unsigned threads, Run&& run,
              const std::function<void(std::size_t, std::size_t)>& on_done) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(
      std::min<std::size_t>(threads, std::max<std::size_t>(1, n)));
  std::atomic<std::size_t> next{0};
  std::size_t finished = 0;
  std::mutex done_mu;
  std::exception_ptr error;
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        run(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(done_mu);
        if (!error) error = std::current_exception();
        next = n;  // stop handing out jobs
        return;
      }
      std::lock_guard<std::mutex> lock(done_mu);
      ++finished;
      if (on_done) on_done(finished, n);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace evictlab::internal

#endif  // EVICTLAB_INTERNAL_PARALLEL_JOBS_H_
