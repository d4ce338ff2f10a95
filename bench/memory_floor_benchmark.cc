// BM_MemoryFloor: the latency of one dependent, cache-missing load over a
// working set as large as the cache's (one 64-byte cell per entry). An
// update_on_get cannot beat this: it must at least find its entry.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <numeric>
#include <random>
#include <vector>

#include "bench/cache_benchmarks.h"
#include "bench/common/registry.h"
#include "bench/common/workload.h"

namespace evictlab::bench {
namespace {

struct alignas(64) Cell {
  Cell* next;
};

void BM_MemoryFloor(benchmark::State& bm, std::size_t n) {
  std::vector<Cell> cells(n);
  // Sattolo's algorithm: a random permutation that is a single cycle, so the
  // chase visits every cell before repeating.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(kSeed);
  for (std::size_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  for (std::size_t i = 0; i < n; ++i) cells[i].next = &cells[order[i]];
  // Check: one lap of n steps returns to the start and no sooner.
  Cell* p = &cells[0];
  for (std::size_t i = 1; i < n; ++i) {
    p = p->next;
    if (p == &cells[0]) {
      bm.SkipWithError("the chase cycle is shorter than n");
      return;
    }
  }
  if (p->next != &cells[0]) {
    bm.SkipWithError("the chase is not one cycle");
    return;
  }
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      p = p->next;
      benchmark::DoNotOptimize(p);
    }
  }
  bm.SetItemsProcessed(bm.iterations());
  bm.counters["bytes_per_entry"] = benchmark::Counter(sizeof(Cell));
}

}  // namespace

void register_memory_floor_benchmarks(const std::vector<std::size_t>& entries) {
  for (std::size_t n : entries) {
    add(Case{"MemoryFloor", "", "", "", "", n, ""},
        [=](benchmark::State& bm) { BM_MemoryFloor(bm, n); });
  }
}

}  // namespace evictlab::bench
