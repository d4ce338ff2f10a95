// Fuzz harness of `--cache-sizes` (sim/cache_sizes.h). The input is the
// argument's text.
//
// Checks: parse_cache_sizes either returns 1..kMaxCacheSizes positive sizes
// or throws std::invalid_argument naming --cache-sizes; every size it
// returns formats (format_bytes) to a text that parses back to that one size.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "evictlab/sim/cache_sizes.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::uint64_t> sizes;
  try {
    sizes = evictlab::sim::parse_cache_sizes(text);
  } catch (const std::invalid_argument& e) {
    EVICTLAB_FUZZ_CHECK(
        evictlab::fuzz::starts_with(e.what(), "--cache-sizes: "),
        "message does not name the option: %s", e.what());
    return 0;
  }
  EVICTLAB_FUZZ_CHECK(
      !sizes.empty() && sizes.size() <= evictlab::sim::kMaxCacheSizes,
      "%zu sizes", sizes.size());
  for (const std::uint64_t s : sizes) {
    EVICTLAB_FUZZ_CHECK(s > 0, "a zero size from '%.*s'",
                        static_cast<int>(size), text.data());
    const std::string back = evictlab::sim::format_bytes(s);
    const std::vector<std::uint64_t> again =
        evictlab::sim::parse_cache_sizes(back);
    EVICTLAB_FUZZ_CHECK(again.size() == 1 && again[0] == s,
                        "%llu formats as '%s', which does not parse back",
                        static_cast<unsigned long long>(s), back.c_str());
  }
  return 0;
}
