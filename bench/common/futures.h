// The future a policy that needs one (Belady) is told before each operation
// of a benchmark: a fixed table of pseudo-random next-access request indices
// (and none, 1 in 8), so that its heap sees a mix of near and far futures.
// Compiles to nothing for the other policies.
//
// NOTE: the same table as update_benchmarks.cc's tell_future, which keeps
// its own copy for now so that this header's arrival does not rebuild that
// file (the gate's cases live there).
#ifndef EVICTLAB_BENCH_COMMON_FUTURES_H_
#define EVICTLAB_BENCH_COMMON_FUTURES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/common/workload.h"

namespace evictlab::bench {

inline const std::vector<std::int64_t>& future_table() {
  static const std::vector<std::int64_t> futures = [] {
    std::vector<std::int64_t> out(kDraws);
    std::uint64_t x = 0x9E3779B97F4A7C15u;
    for (auto& f : out) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      f = (x & 7) == 0 ? -1 : static_cast<std::int64_t>(x >> 24);
    }
    return out;
  }();
  return futures;
}

template <class Policy, class Evictor>
inline void tell_future(Evictor& evictor, std::size_t i) {
  if constexpr (Policy::kTraits.needs_future_knowledge) {
    evictor.set_next_access(future_table()[i & (kDraws - 1)]);
  } else {
    (void)evictor;
    (void)i;
  }
}

}  // namespace evictlab::bench

#endif  // EVICTLAB_BENCH_COMMON_FUTURES_H_
