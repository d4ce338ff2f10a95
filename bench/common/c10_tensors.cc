#include "bench/common/c10_tensors.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/TensorImpl.h>
#include <c10/util/intrusive_ptr.h>

#include <utility>

namespace evictlab::bench {

c10::Storage cpu_storage(std::int64_t bytes) {
  return c10::Storage(c10::Storage::use_byte_size_t(), bytes,
                      c10::GetCPUAllocator(), /*resizable=*/false);
}

at::TensorBase make_view(const c10::Storage& storage, c10::ScalarType dtype,
                         const std::vector<std::int64_t>& base_shape,
                         std::int64_t offset, int dim, std::int64_t start,
                         std::int64_t length) {
  std::vector<std::int64_t> sizes = base_shape;
  std::vector<std::int64_t> strides(sizes.size());
  std::int64_t stride = 1;
  for (std::size_t d = sizes.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= sizes[d];
  }
  if (length >= 0) {
    offset += start * strides[dim];
    sizes[dim] = length;
  }
  const caffe2::TypeMeta meta = c10::scalarTypeToTypeMeta(dtype);
  c10::intrusive_ptr<c10::TensorImpl> impl;
  if (storage) {
    impl = c10::make_intrusive<c10::TensorImpl>(
        c10::Storage(storage), c10::DispatchKeySet(c10::DispatchKey::CPU),
        meta);
  } else {
    impl = c10::make_intrusive<c10::TensorImpl>(
        c10::DispatchKeySet(c10::DispatchKey::Meta), meta,
        c10::Device(c10::kMeta));
  }
  impl->set_sizes_and_strides(sizes, strides);
  impl->set_storage_offset(offset);
  return at::TensorBase(std::move(impl));
}

}  // namespace evictlab::bench
