#include "bench/common/workload.h"

#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "bench/common/c10_tensors.h"

namespace evictlab::bench {

std::string_view kv_name(KVKind kind) {
  switch (kind) {
    case KVKind::kTensor:
      return "tensor";
    case KVKind::kByteArray:
      return "bytearray";
    case KVKind::kKVObj:
      return "kvobj";
    case KVKind::kDisk:
      return "disk";
  }
  return "?";
}

std::string_view key_name(KeyKind kind) {
  switch (kind) {
    case KeyKind::kStr:
      return "str";
    case KeyKind::kCek:
      return "cek";
    case KeyKind::kHashedStr:
      return "hstr";
    case KeyKind::kHashedCek:
      return "hcek";
  }
  return "?";
}

std::uint64_t splitmix64(std::uint64_t x) {
  std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string chunk_hash(std::uint64_t i) {
  return fmt::format("{:016x}{:016x}{:016x}{:016x}", splitmix64(4 * i),
                     splitmix64(4 * i + 1), splitmix64(4 * i + 2),
                     splitmix64(4 * i + 3));
}

CacheEngineKey cek_key(std::uint64_t i) {
  return CacheEngineKey{"vllm", "meta-llama/Llama-3.1-8B-Instruct", 1, 0,
                        chunk_hash(i)};
}

std::vector<KVObject> make_objects(KVKind kind, std::size_t count,
                                   std::int64_t bytes) {
  std::vector<KVObject> out;
  out.reserve(count);
  const std::int64_t elements = bytes / 2;  // bfloat16
  c10::Storage pool;
  if (kind == KVKind::kTensor || kind == KVKind::kKVObj) {
    pool = cpu_storage(static_cast<std::int64_t>(count) * bytes);
  }
  const std::vector<std::int64_t> pool_shape = {
      static_cast<std::int64_t>(count) * elements};
  // `pool.narrow(0, i * elements, elements)` of a bfloat16 pool tensor.
  auto slice = [&](std::int64_t i) {
    return make_view(pool, at::kBFloat16, pool_shape, 0, 0, i * elements,
                     elements);
  };
  for (std::size_t i = 0; i < count; ++i) {
    const auto idx = static_cast<std::int64_t>(i);
    switch (kind) {
      case KVKind::kTensor:
        out.emplace_back(slice(idx));
        break;
      case KVKind::kByteArray:
        out.emplace_back(ByteArray(static_cast<std::size_t>(bytes)));
        break;
      case KVKind::kKVObj:
        out.emplace_back(KVObj{idx, bytes, slice(idx)});
        break;
      case KVKind::kDisk:
        out.emplace_back(DiskCacheMetadata{fmt::format("/cache/{}.pt", i),
                                           bytes, std::nullopt, std::nullopt});
        break;
    }
  }
  return out;
}

std::vector<std::uint32_t> uniform_draws(std::size_t n) {
  std::mt19937_64 rng(kSeed);
  std::uniform_int_distribution<std::uint32_t> dist(
      0, static_cast<std::uint32_t>(n - 1));
  std::vector<std::uint32_t> out(kDraws);
  for (auto& d : out) d = dist(rng);
  return out;
}

std::vector<std::uint32_t> zipf_draws(std::size_t n, double s) {
  // Inverse CDF over the n ranks; then ranks -> keys by a fixed permutation so
  // that popularity does not follow insertion order.
  std::vector<double> cdf(n);
  double total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    total += 1.0 / std::pow(static_cast<double>(r + 1), s);
    cdf[r] = total;
  }
  std::vector<std::uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  std::mt19937_64 rng(kSeed);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::uniform_real_distribution<double> u(0.0, total);
  std::vector<std::uint32_t> out(kDraws);
  for (auto& d : out) {
    const auto rank = static_cast<std::size_t>(
        std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    d = perm[std::min(rank, n - 1)];
  }
  return out;
}

// In-use bytes of both arenas and mmapped chunks: glibc serves allocations
// above M_MMAP_THRESHOLD (a flat table or slab at 2^20 entries) with mmap,
// and uordblks alone would leave them out.
std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

}  // namespace evictlab::bench

#include "bench/common/cache_state.h"

namespace evictlab::bench {

const std::vector<KVObject>& object_pool(KVKind kind, std::size_t n) {
  static std::map<std::pair<KVKind, std::size_t>,
                  std::unique_ptr<std::vector<KVObject>>>
      pools;
  auto& pool = pools[{kind, n}];
  if (!pool) {
    pool = std::make_unique<std::vector<KVObject>>(
        make_objects(kind, n, kObjectBytes));
  }
  return *pool;
}

}  // namespace evictlab::bench
