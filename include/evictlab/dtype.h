// The torch dtypes the lab knows by name (SPEC.md's list), shared by the
// trace format and the GetSize benchmarks.
#ifndef EVICTLAB_DTYPE_H_
#define EVICTLAB_DTYPE_H_

#include <c10/core/ScalarType.h>

#include <optional>
#include <string_view>

namespace evictlab {

struct NamedDtype {
  std::string_view name;  // torch's name without "torch.", e.g. "bfloat16"
  c10::ScalarType type;
};

inline constexpr NamedDtype kNamedDtypes[] = {
    {"float16", c10::ScalarType::Half},
    {"bfloat16", c10::ScalarType::BFloat16},
    {"float32", c10::ScalarType::Float},
    {"float64", c10::ScalarType::Double},
    {"uint8", c10::ScalarType::Byte},
    {"int8", c10::ScalarType::Char},
    {"int16", c10::ScalarType::Short},
    {"int32", c10::ScalarType::Int},
    {"int64", c10::ScalarType::Long},
    {"bool", c10::ScalarType::Bool},
    {"complex64", c10::ScalarType::ComplexFloat},
    {"complex128", c10::ScalarType::ComplexDouble}};

// The dtype called `name`, or nullopt. O(number of dtypes).
inline std::optional<c10::ScalarType> dtype_from_name(std::string_view name) {
  for (const NamedDtype& d : kNamedDtypes) {
    if (d.name == name) return d.type;
  }
  return std::nullopt;
}

}  // namespace evictlab

#endif  // EVICTLAB_DTYPE_H_
