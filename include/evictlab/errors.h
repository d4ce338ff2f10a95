// Typed errors of evictlab. Each mirrors the Python exception the original
// raises in the same situation, so a caller (and the trace replayer) can tell
// them apart without parsing messages.
#ifndef EVICTLAB_ERRORS_H_
#define EVICTLAB_ERRORS_H_

#include <stdexcept>
#include <string>

namespace evictlab {

// Python `KeyError`: a key that is not in the cache dict was looked up,
// popped or moved (e.g. `LRUEvictor::update_on_get` on a miss).
class KeyNotFoundError : public std::out_of_range {
 public:
  explicit KeyNotFoundError(const std::string& key_repr)
      : std::out_of_range("KeyError: " + key_repr), key_repr_(key_repr) {}
  const std::string& key_repr() const noexcept { return key_repr_; }

 private:
  std::string key_repr_;
};

// Python `ValueError` from `CacheEngineKey.from_string`.
class KeyParseError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The original's `Exception("Encountered unknown kv data type <class 'T'>!")`
// from `get_size`. `type_name()` is the Python type name (e.g. "bytes").
class UnknownKVTypeError : public std::invalid_argument {
 public:
  explicit UnknownKVTypeError(const std::string& type_name)
      : std::invalid_argument("Encountered unknown kv data type <class '" +
                              type_name + "'>!"),
        type_name_(type_name) {}
  const std::string& type_name() const noexcept { return type_name_; }

 private:
  std::string type_name_;
};

// Python `StopIteration` escaping `LRUEvictor.update_on_put`: the eviction walk
// ran off the end of the dict while the cache was still over its limit. In
// reference mode it is thrown *after* the sizes of every visited key were
// subtracted, exactly as the original does.
class CacheExhaustedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bad configuration value; `field()` names it (e.g. "max_cache_size_gb").
class ConfigError : public std::invalid_argument {
 public:
  ConfigError(std::string field, const std::string& message)
      : std::invalid_argument(field + ": " + message),
        field_(std::move(field)) {}
  const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

}  // namespace evictlab

#endif  // EVICTLAB_ERRORS_H_
