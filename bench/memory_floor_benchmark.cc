// BM_MemoryFloor: what memory alone costs an operation of a cache of n
// entries.
//
// BM_MemoryFloor/entries:<n>: the latency of one dependent, cache-missing
// load over a working set as large as the cache's (one 64-byte cell per
// entry): a pointer chase, so no two misses overlap.
//
// BM_MemoryFloor/entries:<n>/access:independent/lines:<k>: k random
// cache-line reads per operation, independent of each other and of every
// other operation (no address depends on a loaded value), over a working set
// the size of the default dict's at n entries. The core overlaps these
// misses as far as its miss buffers allow, as it overlaps consecutive
// independent hits: this is the limit of a hit that touches k lines
// (bench/common/hit_lines.h has the count per dict and policy).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "bench/cache_benchmarks.h"
#include "bench/common/hit_lines.h"
#include "bench/common/registry.h"
#include "bench/common/workload.h"
#include "evictlab/registry.h"

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

// The default dict's bytes per entry with a HashedKey and a KVObject: the
// 16-byte key and the 32-byte value in the slab, 24 bytes of table and
// links at 2^20 entries (ordered_dict.h). Any size well above the last-level
// cache gives DRAM misses; this one also gives the dict's TLB reach.
constexpr std::size_t kDictBytesPerEntry = 16 + 32 + 24;

struct alignas(64) Line {
  std::uint64_t words[8];
};

// The line drawn by step x of the generator: a 64-bit LCG (Knuth's MMIX
// constants), its high 32 bits mapped onto [0, lines) by a multiply (Lemire's
// range reduction), so that no division sits in the operation.
inline std::uint64_t lcg_next(std::uint64_t x) {
  return x * 6364136223846793005ULL + 1442695040888963407ULL;
}
inline std::size_t line_of(std::uint64_t x, std::size_t lines) {
  return static_cast<std::size_t>(((x >> 32) * lines) >> 32);
}

void BM_MemoryFloorIndependent(benchmark::State& bm, std::size_t n, int k) {
  const std::size_t lines =
      std::max<std::size_t>(1, (n * kDictBytesPerEntry + 63) / 64);
  std::vector<Line> ws(lines);
  for (std::size_t i = 0; i < lines; ++i) ws[i].words[0] = i;
  // Check before timing: the reads of a few operations return the indices
  // the generator names (each line holds its own index), and the drawn
  // lines cover the working set rather than a corner of it.
  {
    std::uint64_t x = kSeed, sum = 0, want = 0;
    std::size_t top = 0;
    const int ops = 4096;
    for (int op = 0; op < ops; ++op) {
      for (int j = 0; j < k; ++j) {
        x = lcg_next(x);
        const std::size_t l = line_of(x, lines);
        sum += ws[l].words[0];
        want += l;
        top = std::max(top, l);
      }
    }
    if (sum != want || (lines >= 1024 && top < lines / 2)) {
      bm.SkipWithError("the independent reads do not cover the working set");
      return;
    }
  }
  std::uint64_t x = kSeed, acc = 0;
  {
    MeasuredRegion region;
    for (auto _ : bm) {
      // The k addresses come from the generator alone, so operation i+1's
      // loads can issue while operation i's are still missing.
      for (int j = 0; j < k; ++j) {
        x = lcg_next(x);
        acc += ws[line_of(x, lines)].words[0];
      }
    }
  }
  benchmark::DoNotOptimize(acc);
  bm.SetItemsProcessed(bm.iterations());
  bm.counters["lines"] = benchmark::Counter(k);
  bm.counters["bytes_per_entry"] = benchmark::Counter(kDictBytesPerEntry);
}

// The line counts some registered UpdateOnGet case has: every policy over
// the default dict and lru over every dict (update_benchmarks.cc's matrix).
std::bitset<kMaxHitLines + 1> used_line_counts() {
  std::bitset<kMaxHitLines + 1> used;
  auto mark = [&](std::string_view dict, const PolicyTraits& t) {
    const int k = hit_lines(dict, t);
    if (k > 0 && k <= kMaxHitLines) used.set(static_cast<std::size_t>(k));
  };
  for_each_policy(
      [&](auto p) { mark(DefaultDict::kName, decltype(p)::kTraits); });
  for_each_dict([&](auto d) { mark(decltype(d)::kName, LRUPolicy::kTraits); });
  return used;
}

}  // namespace

void register_memory_floor_benchmarks(const std::vector<std::size_t>& entries) {
  const auto used = used_line_counts();
  for (std::size_t n : entries) {
    add(Case{"MemoryFloor", "", "", "", "", n, ""},
        [=](benchmark::State& bm) { BM_MemoryFloor(bm, n); });
    for (int k = 1; k <= kMaxHitLines; ++k) {
      if (!used.test(static_cast<std::size_t>(k))) continue;
      add(Case{"MemoryFloor", "", "", "", "", n,
               fmt::format("access:independent/lines:{}", k)},
          [=](benchmark::State& bm) { BM_MemoryFloorIndependent(bm, n, k); });
    }
  }
}

}  // namespace evictlab::bench
