// Keys built from their parts, as a serving engine builds one per chunk of
// every request (LMCache: `CacheEngineKey(fmt, model, world_size,
// worker_id, chunk_hash)`), for the fresh-key and request benchmarks. The
// parts are those of workload.h's cek_key(i); build_key<K>(parts) equals
// make_key<K>(i) for the same i, which the benchmarks check before timing.
//
// Every call allocates what the key type owns (the strings of a
// CacheEngineKey, the text of a std::string key, a HashedKey's shared
// representation) and, for HashedKey, computes the hash: that cost is part
// of what these benchmarks measure. Thread-safe (pure).
#ifndef EVICTLAB_BENCH_COMMON_KEY_PARTS_H_
#define EVICTLAB_BENCH_COMMON_KEY_PARTS_H_

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "bench/common/workload.h"
#include "evictlab/cache_engine_key.h"
#include "evictlab/hashed_key.h"

namespace evictlab::bench {

inline constexpr std::string_view kKeyFmt = "vllm";
inline constexpr std::string_view kKeyModel =
    "meta-llama/Llama-3.1-8B-Instruct";
inline constexpr std::int64_t kKeyWorldSize = 1;
inline constexpr std::int64_t kKeyWorkerId = 0;

template <class K>
struct KeyBuilder;
template <>
struct KeyBuilder<CacheEngineKey> {
  static CacheEngineKey build(std::string_view chunk_hash) {
    return CacheEngineKey{std::string(kKeyFmt), std::string(kKeyModel),
                          kKeyWorldSize, kKeyWorkerId, std::string(chunk_hash)};
  }
};
template <>
struct KeyBuilder<std::string> {
  // CacheEngineKey::to_string()'s text. NOTE: fmt rather than
  // absl::StrCat, which Debian's Abseil (its own string_view, not
  // std::string_view) does not take std::string_view parts into.
  static std::string build(std::string_view chunk_hash) {
    return fmt::format("{}@{}@{}@{}@{}", kKeyFmt, kKeyModel, kKeyWorldSize,
                       kKeyWorkerId, chunk_hash);
  }
};
template <class K>
struct KeyBuilder<HashedKey<K>> {
  static HashedKey<K> build(std::string_view chunk_hash) {
    return HashedKey<K>(KeyBuilder<K>::build(chunk_hash));
  }
};

// The key of the chunk whose hash is `chunk_hash` (workload.h chunk_hash).
template <class K>
K build_key(std::string_view chunk_hash) {
  return KeyBuilder<K>::build(chunk_hash);
}

}  // namespace evictlab::bench

#endif  // EVICTLAB_BENCH_COMMON_KEY_PARTS_H_
