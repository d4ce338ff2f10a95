#include "evictlab/kv_object.h"

namespace evictlab {

void throw_unknown_kv_type(const UnsupportedKVObject& obj) {
  throw UnknownKVTypeError(obj.type_name());
}

DiskCacheMetadata::DiskCacheMetadata(
    std::string path, std::int64_t size,
    std::optional<std::vector<std::int64_t>> shape,
    std::optional<c10::ScalarType> dtype)
    : size_(size),
      fields_(std::make_shared<const Fields>(
          Fields{std::move(path), std::move(shape), dtype})) {}

const DiskCacheMetadata::Fields& DiskCacheMetadata::default_fields() {
  static const Fields fields{};
  return fields;
}

const std::string& DiskCacheMetadata::path() const {
  return (fields_ ? *fields_ : default_fields()).path;
}
const std::optional<std::vector<std::int64_t>>& DiskCacheMetadata::shape()
    const {
  return (fields_ ? *fields_ : default_fields()).shape;
}
std::optional<c10::ScalarType> DiskCacheMetadata::dtype() const {
  return (fields_ ? *fields_ : default_fields()).dtype;
}

std::string kv_type_name(const KVObject& obj) {
  struct Namer {
    std::string operator()(const at::TensorBase&) const { return "Tensor"; }
    std::string operator()(const ByteArray&) const { return "bytearray"; }
    std::string operator()(const KVObj&) const { return "KVObj"; }
    std::string operator()(const DiskCacheMetadata&) const {
      return "DiskCacheMetadata";
    }
    std::string operator()(const UnsupportedKVObject& o) const {
      return o.type_name();
    }
  };
  return std::visit(Namer{}, obj);
}

}  // namespace evictlab
