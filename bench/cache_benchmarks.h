// The cache-operation benchmarks (update_on_get, update_on_put), one template
// per case, instantiated for every policy in AllPolicies and both key types by
// register_cache_benchmarks(). Each case checks its result on one untimed
// operation first and calls SkipWithError when it is wrong.
#ifndef EVICTLAB_BENCH_CACHE_BENCHMARKS_H_
#define EVICTLAB_BENCH_CACHE_BENCHMARKS_H_

#include <cstddef>
#include <string>
#include <vector>

namespace evictlab::bench {

// Registers BM_UpdateOnGet/* and BM_UpdateOnPut/* for the given sizes.
void register_cache_benchmarks(const std::vector<std::size_t>& entries);
// Registers the fresh-key cases of BM_UpdateOnGet (`.../key:fresh`,
// fresh_key_benchmarks.cc) for the given sizes.
void register_fresh_key_benchmarks(const std::vector<std::size_t>& entries);
// Registers BM_Request/* (request_benchmarks.cc) for those of the given sizes
// that are 2^10 or 2^14.
void register_request_benchmarks(const std::vector<std::size_t>& entries);
// Registers BM_GetSize/*.
void register_get_size_benchmarks();
// Registers BM_MemoryFloor/* for the given sizes.
void register_memory_floor_benchmarks(const std::vector<std::size_t>& entries);
// Registers BM_Simulate/* and BM_SimulateFloor/* (simulate_benchmarks.cc);
// `shared` is the dir holding traces/ and golden-sim/ (empty: the default).
void register_simulate_benchmarks(const std::string& shared);
// Registers the SynchronizedCache and ShardedCache cases of BM_UpdateOnGet
// and BM_UpdateOnPut from 1 and 2 threads (concurrent_benchmarks.cc), for
// the sizes up to 2^16.
void register_concurrent_benchmarks(const std::vector<std::size_t>& entries);

}  // namespace evictlab::bench

#endif  // EVICTLAB_BENCH_CACHE_BENCHMARKS_H_
