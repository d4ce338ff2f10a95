#include "evictlab/kv_object.h"

namespace evictlab {

void throw_unknown_kv_type(const UnsupportedKVObject& obj) {
  throw UnknownKVTypeError(obj.type_name);
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
      return o.type_name;
    }
  };
  return std::visit(Namer{}, obj);
}

}  // namespace evictlab
