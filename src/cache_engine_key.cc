#include "evictlab/cache_engine_key.h"

#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <ostream>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
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

const InternedString::Rep* InternedString::intern(std::string_view text) {
  // The representations are separate heap blocks, never freed, so that a
  // handle stays valid however the map rehashes; the map's keys view their
  // texts. The table itself is never destroyed either: handles held by
  // static objects may be used during exit.
  //
  // NOTE: std::unordered_map and std::hash, not Abseil's flat_hash_map and
  // absl::Hash: the Python module is a shared object that links this static,
  // non-PIC library, and Abseil's inline hashing refers to data symbols of
  // libabsl_hash.so (its seed, the empty group) that such code cannot reach.
  // Interning is off every hot path (a key copies its handles).
  struct Table {
    absl::Mutex mu;
    std::unordered_map<std::string_view, std::unique_ptr<Rep>> reps
        ABSL_GUARDED_BY(mu);
  };
  static Table* const table = new Table;
  absl::MutexLock lock(&table->mu);
  if (auto it = table->reps.find(text); it != table->reps.end()) {
    return it->second.get();
  }
  auto rep = std::make_unique<Rep>(
      Rep{std::string(text), std::hash<std::string_view>{}(text)});
  const Rep* interned = rep.get();
  table->reps.emplace(std::string_view(interned->text), std::move(rep));
  return interned;
}

const InternedString::Rep* InternedString::empty_rep() {
  static const Rep* const empty = intern(std::string_view());
  return empty;
}

std::ostream& operator<<(std::ostream& os, const InternedString& s) {
  return os << s.str();
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
  key.fmt = InternedString(parts[0]);
  key.model_name = InternedString(parts[1]);
  key.world_size = parse_int_field(text, parts[2], "world_size");
  key.worker_id = parse_int_field(text, parts[3], "worker_id");
  key.chunk_hash = std::string(parts[4]);
  return key;
}

}  // namespace evictlab
