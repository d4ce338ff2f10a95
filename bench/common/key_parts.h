// Keys built from their parts, as a serving engine builds one per chunk of
// every request (LMCache: `CacheEngineKey(fmt, model, world_size,
// worker_id, chunk_hash)`), for the fresh-key and request benchmarks. The
// parts are those of workload.h's cek_key(i); build_key<K>(parts) equals
// make_key<K>(i) for the same i, which the benchmarks check before timing.
//
// Every call allocates what the key type owns (a CacheEngineKey's chunk
// hash, the text of a std::string key, a HashedKey's shared representation)
// and, for HashedKey, computes the hash: that cost is part of what these
// benchmarks measure. The constant parts are an engine's constants: a
// CacheEngineKey takes the interned handles of its format and model name
// (interned once per process, as a server holds its config's strings; a
// new Python CacheEngineKey likewise only references the str objects), and
// a std::string key's text is written from all five parts each time
// (CacheEngineKey::text_of, as Python's f-string does), the chunk hash
// copied into a new key every call. Thread-safe.
#ifndef EVICTLAB_BENCH_COMMON_KEY_PARTS_H_
#define EVICTLAB_BENCH_COMMON_KEY_PARTS_H_

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

// The interned constants (interned on first use).
inline const InternedString& key_fmt() {
  static const InternedString fmt(kKeyFmt);
  return fmt;
}
inline const InternedString& key_model() {
  static const InternedString model(kKeyModel);
  return model;
}

template <class K>
struct KeyBuilder;
template <>
struct KeyBuilder<CacheEngineKey> {
  static CacheEngineKey build(std::string_view chunk_hash) {
    return CacheEngineKey{key_fmt(), key_model(), kKeyWorldSize, kKeyWorkerId,
                          std::string(chunk_hash)};
  }
};
template <>
struct KeyBuilder<std::string> {
  // CacheEngineKey::to_string()'s text.
  static std::string build(std::string_view chunk_hash) {
    return CacheEngineKey::text_of(kKeyFmt, kKeyModel, kKeyWorldSize,
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
