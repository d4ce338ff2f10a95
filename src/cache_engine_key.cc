#include "evictlab/cache_engine_key.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "absl/strings/str_split.h"
#include "evictlab/errors.h"

namespace evictlab {
namespace {

// Python's int() accepts more (spaces, '_'), but keys written by
// to_string() only ever hold an optional '-' and digits, so anything else
// is a corrupted key and is rejected with the field named.
std::int64_t parse_int_field(std::string_view text, std::string_view part,
                             const char* field) {
  std::string_view digits = part;
  // One optional sign, as int() takes; from_chars itself only takes '-'.
  if (!digits.empty() && digits.front() == '+' &&
      (digits.size() == 1 || digits[1] != '-')) {
    digits.remove_prefix(1);
  }
  std::int64_t value = 0;
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (digits.empty() || ec != std::errc() || ptr != last) {
    throw KeyParseError(
        fmt::format("Invalid key string '{}': {} '{}' is not an integer", text,
                    field, part));
  }
  return value;
}

}  // namespace

std::string CacheEngineKey::to_string() const {
  return fmt::format("{}@{}@{}@{}@{}", fmt, model_name, world_size, worker_id,
                     chunk_hash);
}

CacheEngineKey CacheEngineKey::from_string(std::string_view text) {
  // Debian's Abseil has its own string_view type; convert at the boundary.
  const std::vector<absl::string_view> split =
      absl::StrSplit(absl::string_view(text.data(), text.size()), '@');
  std::vector<std::string_view> parts;
  for (absl::string_view p : split) parts.emplace_back(p.data(), p.size());
  if (parts.size() != 5) {
    throw KeyParseError(
        fmt::format("Invalid key string '{}': expected 5 '@'-separated parts "
                    "(fmt@model_name@world_size@worker_id@chunk_hash), got {}",
                    text, parts.size()));
  }
  CacheEngineKey key;
  key.fmt = std::string(parts[0]);
  key.model_name = std::string(parts[1]);
  key.world_size = parse_int_field(text, parts[2], "world_size");
  key.worker_id = parse_int_field(text, parts[3], "worker_id");
  key.chunk_hash = std::string(parts[4]);
  return key;
}

}  // namespace evictlab
