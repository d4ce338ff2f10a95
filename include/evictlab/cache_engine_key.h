// CacheEngineKey: LMCache's key of one KV chunk.
//
// Port of lmcache.utils.CacheEngineKey. Five fields; equality and hashing over
// all five; `to_string()` is `fmt@model_name@world_size@worker_id@chunk_hash`.
//
// Thread-compatible: a const key may be read from many threads.
#ifndef EVICTLAB_CACHE_ENGINE_KEY_H_
#define EVICTLAB_CACHE_ENGINE_KEY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace evictlab {

struct CacheEngineKey {
  std::string fmt;
  std::string model_name;
  std::int64_t world_size = 0;
  std::int64_t worker_id = 0;
  std::string chunk_hash;

  // `fmt@model_name@world_size@worker_id@chunk_hash`.
  std::string to_string() const;

  // Inverse of `to_string()`. Throws KeyParseError (the original's ValueError)
  // unless `text` splits on '@' into exactly five parts and the third and
  // fourth are decimal integers that fit in int64 (an optional sign, then
  // digits). The message quotes the input and names the bad part.
  static CacheEngineKey from_string(std::string_view text);

  friend bool operator==(const CacheEngineKey& a, const CacheEngineKey& b) {
    return a.world_size == b.world_size && a.worker_id == b.worker_id &&
           a.chunk_hash == b.chunk_hash && a.model_name == b.model_name &&
           a.fmt == b.fmt;
  }
  friend bool operator!=(const CacheEngineKey& a, const CacheEngineKey& b) {
    return !(a == b);
  }

  // Abseil hashing over all five fields.
  template <typename H>
  friend H AbslHashValue(H h, const CacheEngineKey& k) {
    return H::combine(std::move(h), k.fmt, k.model_name, k.world_size,
                      k.worker_id, k.chunk_hash);
  }
};

}  // namespace evictlab

#endif  // EVICTLAB_CACHE_ENGINE_KEY_H_
