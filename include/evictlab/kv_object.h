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
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/attributes.h"
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
// The other fields are read-only after construction and shared by copies (a
// Python object is shared by reference too): that keeps this 24 bytes and a
// KVObject 32, so a dict's values are half a cache line each and the eviction
// walk's get_size reads one line (with the fields inline a KVObject was 88
// bytes; README "Which structure won"). Copies are thread-safe.
class DiskCacheMetadata {
 public:
  DiskCacheMetadata() = default;
  DiskCacheMetadata(std::string path, std::int64_t size,
                    std::optional<std::vector<std::int64_t>> shape,
                    std::optional<c10::ScalarType> dtype);

  std::int64_t size() const { return size_; }
  const std::string& path() const;
  const std::optional<std::vector<std::int64_t>>& shape() const;
  std::optional<c10::ScalarType> dtype() const;

 private:
  struct Fields {
    std::string path;
    std::optional<std::vector<std::int64_t>> shape;
    std::optional<c10::ScalarType> dtype;
  };
  static const Fields& default_fields();

  std::int64_t size_ = 0;
  std::shared_ptr<const Fields> fields_;  // null: default_fields()
};

// An object of a type the original's get_size rejects. `type_name()` is the
// Python type name the original prints: "bytes", "str", "int", "NoneType".
// The name is shared by copies, like DiskCacheMetadata's fields.
class UnsupportedKVObject {
 public:
  explicit UnsupportedKVObject(std::string type_name)
      : type_name_(std::make_shared<const std::string>(std::move(type_name))) {}
  const std::string& type_name() const { return *type_name_; }

 private:
  std::shared_ptr<const std::string> type_name_;
};

// What a cache dict may hold. The tensor alternative is a view: its size is
// the view's `numel() * element_size()`, not that of its storage.
using KVObject = std::variant<at::TensorBase, ByteArray, KVObj,
                              DiskCacheMetadata, UnsupportedKVObject>;
// Every alternative is at most 24 bytes (see DiskCacheMetadata).
static_assert(sizeof(KVObject) <= 32, "a KVObject should stay half a line");

// The size rule of the original, one overload per type so that code holding a
// concrete type pays no dispatch. O(1); never allocates.
inline std::int64_t get_size(const at::TensorBase& tensor) {
  return tensor.numel() * static_cast<std::int64_t>(tensor.element_size());
}
inline std::int64_t get_size(const ByteArray& array) { return array.length(); }
inline std::int64_t get_size(const KVObj& obj) { return obj.size; }

// A stored object that is nothing but its size: the simulator's values (8
// bytes where a KVObject takes 32), so a simulated cache holds per object
// what libCacheSim's does (id, size, policy state) and no more. Every policy
// stores it as it stores a KVObject (they only ask get_size).
struct SizedObject {
  std::int64_t size = 0;
};
inline std::int64_t get_size(const SizedObject& obj) { return obj.size; }
inline std::int64_t get_size(const DiskCacheMetadata& meta) {
  return meta.size();
}
// Throws UnknownKVTypeError naming the Python type, as the original does.
[[noreturn]] void throw_unknown_kv_type(const UnsupportedKVObject& obj);
inline std::int64_t get_size(const UnsupportedKVObject& obj) {
  throw_unknown_kv_type(obj);
}

// Dispatch over the variant: a switch on the alternative index, which the
// compiler inlines into compares and direct loads. (GCC 12's std::visit
// calls through a table of function pointers here: BM_GetSize/kvobj 1.50x a
// direct field read against 1.16x for the switch; README "Which structure
// won".) The cases follow KVObject's alternative order, which the
// static_asserts pin.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline std::int64_t get_size(const KVObject& obj) {
  static_assert(
      std::is_same_v<std::variant_alternative_t<0, KVObject>, at::TensorBase> &&
      std::is_same_v<std::variant_alternative_t<3, KVObject>,
                     DiskCacheMetadata> &&
      std::variant_size_v<KVObject> == 5);
  // NOTE: keep the cases below in the alternatives' order.
  switch (obj.index()) {
    case 2:  // the common case first: LMCache's local backends store KVObj
      return get_size(*std::get_if<KVObj>(&obj));
    case 0:
      return get_size(*std::get_if<at::TensorBase>(&obj));
    case 1:
      return get_size(*std::get_if<ByteArray>(&obj));
    case 3:
      return get_size(*std::get_if<DiskCacheMetadata>(&obj));
    case 4:
      return get_size(*std::get_if<UnsupportedKVObject>(&obj));
    default:  // valueless_by_exception, as std::visit reports it
      throw std::bad_variant_access();
  }
}

// The Python type name of the object, as `type(obj).__name__` would print it
// ("Tensor", "bytearray", "KVObj", "DiskCacheMetadata", or the unsupported
// object's own name).
std::string kv_type_name(const KVObject& obj);

}  // namespace evictlab

#endif  // EVICTLAB_KV_OBJECT_H_
