// kv_replay's request loop allocates nothing per request in steady state
// (kv_replay.h): replaying the synthetic trace's first 1000 requests four times
// over costs no more allocations than replaying it once, give or take a few
// table growths, for every policy. A binary of its own, because it replaces the
// global operator new to count.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "evictlab/registry.h"
#include "evictlab/sim/kv_replay.h"
#include "evictlab/sim/kv_trace.h"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace evictlab::sim {
namespace {

// The first `requests` requests of `t`, `times` times over.
KvTrace repeated(const KvTrace& t, std::size_t requests, int times) {
  KvTrace out;
  for (int k = 0; k < times; ++k) {
    for (std::size_t r = 0; r < requests; ++r) {
      out.add_request(t.blocks.data() + t.offsets[r], t.n_blocks(r),
                      t.input_length[r]);
    }
  }
  compute_kv_next_access(out);
  return out;
}

TEST(KvReplayAllocations, NoneGrowWithTheNumberOfRequests) {
  const KvTrace base = read_mooncake(std::string(EVICTLAB_SOURCE_DIR) +
                                     "/../shared/traces/mooncake/"
                                     "synthetic_trace.jsonl");
  // 1000 requests (~30,000 block references) fill a 512-block cache many
  // times over; small, so that the ASan build (which runs this too) stays
  // well inside ctest's timeout.
  const KvTrace once = repeated(base, 1000, 1);
  const KvTrace four = repeated(base, 1000, 4);
  for_each_policy([&](auto p) {
    using P = decltype(p);
    if constexpr (P::kTraits.evicts) {
      SCOPED_TRACE(std::string(P::kTraits.name));
      auto count = [&](const KvTrace& t) {
        const std::uint64_t before = g_allocations.load();
        const KvSimResult r = kv_replay<P>(t, 512 * 512, KvSimOptions{});
        EXPECT_GT(r.n_evict, 0u);
        return g_allocations.load() - before;
      };
      const std::uint64_t a = count(once);
      const std::uint64_t b = count(four);
      EXPECT_GT(a, 0u);  // the counter counts (tables are allocated)
      // 3,000 more requests and tens of thousands more stores: a
      // per-request or per-store allocation would add thousands.
      EXPECT_LE(b, a + 64) << "once " << a << ", four times " << b;
    }
  });
}

}  // namespace
}  // namespace evictlab::sim
