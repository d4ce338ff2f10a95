// The KV objects the original stores in its cache dict, and its size rule.
//
// Port of BaseEvictor.get_size (lmcache) and of the types it accepts:
// torch tensors, bytearray, KVObj and DiskCacheMetadata. Anything else the
// original could be handed (bytes, str, int, None) is an UnsupportedKVObject
// here, so that traces holding such objects can be replayed and get_size can
// fail the way the original does: with an error naming the Python type.
//
// All types are value types; thread-compatible.
#ifndef EVICTLAB_KV_OBJECT_H_
#define EVICTLAB_KV_OBJECT_H_

#include <ATen/core/TensorBase.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "evictlab/errors.h"

namespace evictlab {

// Python `bytearray`: a mutable byte buffer. Its size is its length.
struct ByteArray {
  std::vector<std::uint8_t> bytes;

  ByteArray() = default;
  explicit ByteArray(std::size_t length) : bytes(length) {}
  std::int64_t length() const {
    return static_cast<std::int64_t>(bytes.size());
  }
};

// Port of lmcache.storage_backend.mem_pool.KVObj. NOTE: its size is the
// `size` field, not the bytes of `data`; the original never checks that they
// agree (nor that `size` is non-negative).
struct KVObj {
  std::int64_t chunk_idx = 0;
  std::int64_t size = 0;
  at::TensorBase data;
};

// Port of lmcache.utils.DiskCacheMetadata. Its size is the `size` field.
struct DiskCacheMetadata {
  std::string path;
  std::int64_t size = 0;
  std::optional<std::vector<std::int64_t>> shape;
  std::optional<c10::ScalarType> dtype;
};

// An object of a type the original's get_size rejects. `type_name` is the
// Python type name the original prints: "bytes", "str", "int", "NoneType".
struct UnsupportedKVObject {
  std::string type_name;
};

// What a cache dict may hold. The tensor alternative is a view: its size is
// the view's `numel() * element_size()`, not that of its storage.
using KVObject = std::variant<at::TensorBase, ByteArray, KVObj,
                              DiskCacheMetadata, UnsupportedKVObject>;

// The size rule of the original, one overload per type so that code holding a
// concrete type pays no dispatch. O(1); never allocates.
inline std::int64_t get_size(const at::TensorBase& tensor) {
  return tensor.numel() * static_cast<std::int64_t>(tensor.element_size());
}
inline std::int64_t get_size(const ByteArray& array) { return array.length(); }
inline std::int64_t get_size(const KVObj& obj) { return obj.size; }
inline std::int64_t get_size(const DiskCacheMetadata& meta) {
  return meta.size;
}
// Throws UnknownKVTypeError naming the Python type, as the original does.
[[noreturn]] void throw_unknown_kv_type(const UnsupportedKVObject& obj);
inline std::int64_t get_size(const UnsupportedKVObject& obj) {
  throw_unknown_kv_type(obj);
}

// Dispatch over the variant: a jump on the alternative index.
inline std::int64_t get_size(const KVObject& obj) {
  return std::visit([](const auto& o) -> std::int64_t { return get_size(o); },
                    obj);
}

// The Python type name of the object, as `type(obj).__name__` would print it
// ("Tensor", "bytearray", "KVObj", "DiskCacheMetadata", or the unsupported
// object's own name).
std::string kv_type_name(const KVObject& obj);

}  // namespace evictlab

#endif  // EVICTLAB_KV_OBJECT_H_
