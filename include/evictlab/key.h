// The reference's key type, `Union[CacheEngineKey, str]`, and how keys are
// printed.
//
// A CacheEngineKey and a plain string with the same text are different keys
// (they compare unequal and live side by side in one dict), exactly as in
// Python where `CacheEngineKey(...) != "..."`.
#ifndef EVICTLAB_KEY_H_
#define EVICTLAB_KEY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "absl/hash/hash.h"
#include "evictlab/cache_engine_key.h"

namespace evictlab {

using Key = std::variant<std::string, CacheEngineKey>;

// The hash the dicts use: absl::Hash, plus std::variant support (Debian's
// Abseil is built with its own absl::variant, so absl::Hash cannot hash a
// std::variant). The alternative's index is mixed in, so a string and a
// CacheEngineKey with the same text hash apart as well as compare unequal.
template <class K>
struct KeyHash : absl::Hash<K> {};

template <class... Ts>
struct KeyHash<std::variant<Ts...>> {
  std::size_t operator()(const std::variant<Ts...>& key) const {
    return std::visit(
        [&key](const auto& alternative) {
          return absl::HashOf(key.index(), alternative);
        },
        key);
  }
};

// Human-readable form used in error messages: a string key in quotes,
// a CacheEngineKey as `CacheEngineKey(<to_string()>)`.
std::string key_repr(const std::string& key);
std::string key_repr(const CacheEngineKey& key);
std::string key_repr(const Key& key);
// A simulator's object id (sim/simulator.h), in decimal.
inline std::string key_repr(std::uint64_t id) { return std::to_string(id); }

// The trace form of SPEC.md: a CacheEngineKey is `cek:` + to_string(), a plain
// string is itself.
std::string key_to_trace_string(const Key& key);
// Inverse of key_to_trace_string. Throws KeyParseError for a bad `cek:` key.
Key key_from_trace_string(const std::string& text);

}  // namespace evictlab

#endif  // EVICTLAB_KEY_H_
