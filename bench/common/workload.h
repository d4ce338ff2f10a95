// Workload inputs shared by every benchmark: keys, KV objects, access draws
// and a heap meter. docs/WORKLOADS.md is the contract (the Python model of the
// original, scripts/pybench, builds the same inputs).
#ifndef EVICTLAB_BENCH_COMMON_WORKLOAD_H_
#define EVICTLAB_BENCH_COMMON_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evictlab/cache_engine_key.h"
#include "evictlab/hashed_key.h"
#include "evictlab/kv_object.h"

namespace evictlab::bench {

// Logical size of one stored object (docs/WORKLOADS.md: small on purpose).
inline constexpr std::int64_t kObjectBytes = 256;
inline constexpr std::size_t kDraws = 65536;  // access draws, cycled
inline constexpr std::uint64_t kSeed = 42;

enum class KVKind { kTensor, kByteArray, kKVObj, kDisk };
inline constexpr KVKind kAllKVKinds[] = {KVKind::kTensor, KVKind::kByteArray,
                                         KVKind::kKVObj, KVKind::kDisk};
std::string_view kv_name(KVKind kind);

// `hstr`/`hcek` are the same keys wrapped in HashedKey (hash computed once,
// as Python's str caches its own).
enum class KeyKind { kStr, kCek, kHashedStr, kHashedCek };
inline constexpr KeyKind kAllKeyKinds[] = {
    KeyKind::kStr, KeyKind::kCek, KeyKind::kHashedStr, KeyKind::kHashedCek};
std::string_view key_name(KeyKind kind);

std::uint64_t splitmix64(std::uint64_t x);
// 64 lowercase hex digits: splitmix64(4i + j), j = 0..3, each as %016x.
std::string chunk_hash(std::uint64_t i);
// CacheEngineKey("vllm", "meta-llama/Llama-3.1-8B-Instruct", 1, 0, hash(i)).
CacheEngineKey cek_key(std::uint64_t i);

// Key `i` of type K (std::string: the to_string() text of cek_key(i)).
template <class K>
K make_key(std::uint64_t i);
template <>
inline CacheEngineKey make_key<CacheEngineKey>(std::uint64_t i) {
  return cek_key(i);
}
template <>
inline std::string make_key<std::string>(std::uint64_t i) {
  return cek_key(i).to_string();
}
template <>
inline HashedKey<std::string> make_key<HashedKey<std::string>>(
    std::uint64_t i) {
  return HashedKey<std::string>(make_key<std::string>(i));
}
template <>
inline HashedKey<CacheEngineKey> make_key<HashedKey<CacheEngineKey>>(
    std::uint64_t i) {
  return HashedKey<CacheEngineKey>(cek_key(i));
}
template <class K>
constexpr KeyKind key_kind_of() {
  if constexpr (std::is_same_v<K, CacheEngineKey>) return KeyKind::kCek;
  if constexpr (std::is_same_v<K, HashedKey<std::string>>) {
    return KeyKind::kHashedStr;
  }
  if constexpr (std::is_same_v<K, HashedKey<CacheEngineKey>>) {
    return KeyKind::kHashedCek;
  }
  return KeyKind::kStr;
}

// `count` objects of `bytes` logical bytes each. Tensor views are slices of
// one shared bfloat16 pool, and a KVObj's data is such a slice, as LMCache's
// memory pool hands them out.
std::vector<KVObject> make_objects(KVKind kind, std::size_t count,
                                   std::int64_t bytes);

// `kDraws` ranks in [0, n): uniform, or Zipf(0.99) mapped through a fixed
// random permutation of the ranks. Seeded (kSeed).
std::vector<std::uint32_t> uniform_draws(std::size_t n);
std::vector<std::uint32_t> zipf_draws(std::size_t n, double s = 0.99);

// Bytes currently allocated from the C heap (glibc mallinfo2).
std::size_t heap_in_use();

}  // namespace evictlab::bench

#endif  // EVICTLAB_BENCH_COMMON_WORKLOAD_H_
