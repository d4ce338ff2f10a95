#include "evictlab/cache_limit.h"

#include <fmt/format.h>

#include <cmath>

#include "evictlab/errors.h"

namespace evictlab {

std::int64_t max_bytes_from_gb(double max_cache_size_gb) {
  constexpr double kBytesPerGb = 1073741824.0;  // 1024**3, exact in a double.
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (!std::isfinite(max_cache_size_gb)) {
    throw ConfigError(
        "max_cache_size_gb",
        fmt::format("must be a finite number, got {}", max_cache_size_gb));
  }
  const double product = std::trunc(max_cache_size_gb * kBytesPerGb);
  if (!(product < kTwoTo63) || !(product >= -kTwoTo63)) {
    throw ConfigError("max_cache_size_gb",
                      fmt::format("{} GB is {} bytes, outside the int64 range",
                                  max_cache_size_gb, product));
  }
  return static_cast<std::int64_t>(product);
}

}  // namespace evictlab
