#include "evictlab/sim/cache_sizes.h"

#include <charconv>
#include <stdexcept>

#include "fmt/format.h"

namespace evictlab::sim {

namespace {

struct Unit {
  std::string_view name;
  std::uint64_t bytes;
};
constexpr Unit kUnits[] = {{"TiB", std::uint64_t{1} << 40},
                           {"GiB", std::uint64_t{1} << 30},
                           {"MiB", std::uint64_t{1} << 20},
                           {"KiB", std::uint64_t{1} << 10}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

[[noreturn]] void fail(std::string_view item, std::string_view why) {
  throw std::invalid_argument(
      fmt::format("--cache-sizes: '{}': {}", item, why));
}

// One size, `part` of `item` (the whole comma-separated item, for messages);
// `what` names the part ("size", "START", "STOP", "STEP").
std::uint64_t parse_size(std::string_view part, std::string_view item,
                         std::string_view what) {
  const std::string_view s = trim(part);
  if (s.empty()) fail(item, fmt::format("empty {}", what));
  if (s.front() == '-' || s.front() == '+') {
    fail(item, "a size is a positive integer of bytes, without a sign");
  }
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) {
    fail(item, "the number exceeds 2^64-1 bytes");
  }
  if (ec != std::errc()) fail(item, "not a number of bytes");
  const std::string_view suffix =
      trim(s.substr(static_cast<std::size_t>(ptr - s.data())));
  if (!suffix.empty() && (suffix.front() == '.' || suffix.front() == ',')) {
    fail(item,
         "fractions are not accepted; write a whole number of bytes or "
         "a smaller unit");
  }
  std::uint64_t multiplier = 1;
  if (!suffix.empty() && !iequals(suffix, "B")) {
    bool found = false;
    for (const Unit& u : kUnits) {
      if (iequals(suffix, u.name)) {
        multiplier = u.bytes;
        found = true;
        break;
      }
    }
    if (!found) {
      const char c = lower(suffix.front());
      const bool decimal_looking =
          (c == 'k' || c == 'm' || c == 'g' || c == 't') &&
          (suffix.size() == 1 ||
           (suffix.size() == 2 && lower(suffix[1]) == 'b'));
      if (decimal_looking) {
        fail(item, fmt::format("ambiguous suffix '{}' (libCacheSim reads it "
                               "as a power of 1024, SI as a power of 1000): "
                               "write {}iB or the byte count",
                               suffix, static_cast<char>(c - 'a' + 'A')));
      }
      fail(item, fmt::format("unknown suffix '{}' (expected KiB, MiB, GiB or "
                             "TiB)",
                             suffix));
    }
  }
  if (value > UINT64_MAX / multiplier) {
    fail(item, "the size exceeds 2^64-1 bytes");
  }
  value *= multiplier;
  if (value == 0) fail(item, fmt::format("{} must be positive", what));
  return value;
}

}  // namespace

std::vector<std::uint64_t> parse_cache_sizes(std::string_view text) {
  std::vector<std::uint64_t> sizes;
  if (trim(text).empty()) fail(text, "no cache size given");
  std::size_t pos = 0;
  for (;;) {
    const std::size_t comma = text.find(',', pos);
    const std::string_view item = trim(text.substr(
        pos, comma == std::string_view::npos ? comma : comma - pos));
    if (item.empty()) fail(text, "empty item in the list");
    const std::size_t c1 = item.find(':');
    if (c1 == std::string_view::npos) {
      sizes.push_back(parse_size(item, item, "a cache size"));
      if (sizes.size() > kMaxCacheSizes) {
        fail(item, fmt::format("more than {} cache sizes", kMaxCacheSizes));
      }
    } else {
      const std::size_t c2 = item.find(':', c1 + 1);
      if (c2 == std::string_view::npos ||
          item.find(':', c2 + 1) != std::string_view::npos) {
        fail(item, "a range is START:STOP:STEP (three parts)");
      }
      const std::uint64_t start = parse_size(item.substr(0, c1), item, "START");
      const std::uint64_t stop =
          parse_size(item.substr(c1 + 1, c2 - c1 - 1), item, "STOP");
      const std::uint64_t step = parse_size(item.substr(c2 + 1), item, "STEP");
      if (start > stop) fail(item, "START is greater than STOP");
      const std::uint64_t count = (stop - start) / step + 1;
      if (count > kMaxCacheSizes - sizes.size()) {
        fail(item, fmt::format("more than {} cache sizes", kMaxCacheSizes));
      }
      // start + (count-1)*step <= stop, so no term overflows.
      for (std::uint64_t i = 0; i < count; ++i) {
        sizes.push_back(start + i * step);
      }
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return sizes;
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes != 0) {
    for (const Unit& u : kUnits) {
      if (bytes % u.bytes == 0) {
        return fmt::format("{}{}", bytes / u.bytes, u.name);
      }
    }
  }
  return fmt::format("{}", bytes);
}

}  // namespace evictlab::sim
