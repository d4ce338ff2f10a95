// Tensors built with c10 alone (no libtorch_cpu).
//
// NOTE: why not at::empty + narrow: libtorch_cpu drags in ~290 shared
// libraries, one of which (libhwy, via libjxl) executes RDTSCP in a static
// initializer; Valgrind cannot decode that instruction on CPUs that do not
// advertise it (these VMs), so a benchmark binary linked with libtorch_cpu
// dies before main() under callgrind and the instruction-count gate could not
// run. The objects built here are the same c10::TensorImpl that at::empty and
// Tensor::narrow produce (sizes, strides, storage offset, dtype), so get_size
// reads exactly what it reads on a real view.
#ifndef EVICTLAB_BENCH_COMMON_C10_TENSORS_H_
#define EVICTLAB_BENCH_COMMON_C10_TENSORS_H_

#include <ATen/core/TensorBase.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <c10/core/Storage.h>

#include <cstdint>
#include <vector>

namespace evictlab::bench {

// A contiguous CPU storage of `bytes` bytes (uninitialised).
c10::Storage cpu_storage(std::int64_t bytes);

// A view of `storage` with contiguous strides for `base_shape`, narrowed along
// `dim` to [start, start + length) when `length >= 0` (like
// `base.narrow(dim, start, length)`), at element offset `offset` of storage.
// An undefined storage makes a meta-device tensor (sizes only, no memory).
at::TensorBase make_view(const c10::Storage& storage, c10::ScalarType dtype,
                         const std::vector<std::int64_t>& base_shape,
                         std::int64_t offset = 0, int dim = 0,
                         std::int64_t start = 0, std::int64_t length = -1);

}  // namespace evictlab::bench

#endif  // EVICTLAB_BENCH_COMMON_C10_TENSORS_H_
