// How a cache's byte limit is derived from the configured gigabytes, and the
// exact float/int comparison the original's accounting relies on.
#ifndef EVICTLAB_CACHE_LIMIT_H_
#define EVICTLAB_CACHE_LIMIT_H_

#include <cstdint>

namespace evictlab {

// `int(max_cache_size_gb * 1024**3)`: a double product, truncated toward zero
// (0.1 GB -> 107374182 bytes). Throws ConfigError naming `max_cache_size_gb`
// for NaN, infinity, or a product outside int64 (where Python would raise, or
// hold a bignum no real cache has).
std::int64_t max_bytes_from_gb(double max_cache_size_gb);

// Python's `float > int`, which compares the exact values (it does not round
// the integer to a double first). Used for `size + current > MAX`, once per
// step of the eviction walk, hence inline. O(1).
inline bool py_float_greater_than_int(double lhs, std::int64_t rhs) {
  constexpr double kTwoTo63 = 9223372036854775808.0;
  constexpr std::int64_t kTwoTo53 = std::int64_t{1} << 53;
  // Every integer of magnitude <= 2^53 is a double, and comparing two
  // doubles compares their exact values, so a limit in that range (every
  // real cache's) needs one compare. NaN compares false, as Python's does.
  if (rhs >= -kTwoTo53 && rhs <= kTwoTo53) {
    return lhs > static_cast<double>(rhs);
  }
  if (lhs != lhs) return false;  // NaN
  if (lhs >= kTwoTo63) return true;
  if (lhs < -kTwoTo63) return false;
  // lhs is now within int64 range: compare its integer part exactly, and let
  // a positive fractional part break a tie.
  const auto whole_int = static_cast<std::int64_t>(lhs);  // truncates
  if (whole_int != rhs) return whole_int > rhs;
  return lhs > static_cast<double>(whole_int);
}

}  // namespace evictlab

#endif  // EVICTLAB_CACHE_LIMIT_H_
