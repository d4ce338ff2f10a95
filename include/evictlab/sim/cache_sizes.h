// The `--cache-sizes` argument of `evictlab simulate`, and the inverse
// formatting used in its table and JSON context.
//
// Thread-safety: pure functions, reentrant.
#ifndef EVICTLAB_SIM_CACHE_SIZES_H_
#define EVICTLAB_SIM_CACHE_SIZES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace evictlab::sim {

// Ranges stop with an error beyond this many sizes (a typo such as
// `1:1GiB:1` would otherwise allocate gigabytes).
inline constexpr std::size_t kMaxCacheSizes = 100000;

// Parses a comma-separated list of items, each either
// - a size: a decimal integer with an optional suffix B, KiB, MiB, GiB or TiB
//   (1, 2^10 .. 2^40, matched case-insensitively; spaces around the number
//   and between number and suffix are allowed), e.g. `4096`, `128MiB`; or
// - a range `START:STOP:STEP` of sizes: START, START+STEP, ... up to and
//   including STOP when it is reached exactly (the last size is <= STOP),
//   e.g. `128MiB:1GiB:128MiB` gives the 8 sizes 128MiB .. 1GiB.
// Sizes come back in the order written; duplicates are kept.
//
// NOTE: the decimal-looking suffixes KB/MB/GB/TB (and K/M/G/T) are rejected as
// ambiguous: libCacheSim's `cachesim` reads `1GB` as 2^30 bytes, while the SI
// meaning is 10^9; silently picking either would make a comparison with
// libCacheSim differ. Write `GiB`, or the byte count.
//
// Throws std::invalid_argument, naming the offending item, for an empty list
// or item, a zero size, a sign or fraction, an unknown suffix, a value above
// 2^64-1 (also as number x suffix), a range with STEP 0 or START > STOP, a
// range that is not three parts, or more than kMaxCacheSizes sizes.
// O(length of text + number of sizes).
std::vector<std::uint64_t> parse_cache_sizes(std::string_view text);

// `bytes` in the largest binary unit that divides it exactly ("128MiB",
// "3GiB", "1536KiB"), or plain bytes when none does ("1000", "0"). The
// output parses back to `bytes` with parse_cache_sizes (for bytes > 0).
std::string format_bytes(std::uint64_t bytes);

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_CACHE_SIZES_H_
