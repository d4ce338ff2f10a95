// PolicyParams: a policy's tunables by name, as the CLI takes them
// (`--param s3fifo.fifo-size-ratio=0.2` gives policy s3fifo the pair
// ("fifo-size-ratio", "0.2")).
//
// A policy reads each of its parameters once, in its constructor, with a
// typed getter that knows the default and the valid range; a value that does
// not parse or is out of range throws ConfigError naming the field
// ("s3fifo.fifo-size-ratio"). After construction, `check_all_used()` throws
// ConfigError for any name the policy did not read, so a typo never runs the
// defaults silently.
//
// Thread-compatible: const methods may be called concurrently; the getters
// mark names as used (mutable) and are not thread-safe.
#ifndef EVICTLAB_POLICY_PARAMS_H_
#define EVICTLAB_POLICY_PARAMS_H_

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "evictlab/errors.h"

namespace evictlab {

class PolicyParams {
 public:
  PolicyParams() = default;
  // `policy` prefixes the field names of errors.
  explicit PolicyParams(std::string policy) : policy_(std::move(policy)) {}

  // Sets (or replaces) one parameter.
  void set(std::string name, std::string value) {
    values_[std::move(name)] = Value{std::move(value), false};
  }
  bool empty() const { return values_.empty(); }
  const std::string& policy() const { return policy_; }

  // A double in [lo, hi]; `fallback` when absent.
  double get_double(std::string_view name, double fallback, double lo,
                    double hi) const {
    const std::string* text = take(name);
    if (text == nullptr) return fallback;
    double value = 0;
    const char* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
      throw ConfigError(field(name),
                        fmt::format("'{}' is not a number", *text));
    }
    if (value < lo || value > hi) {
      throw ConfigError(field(name),
                        fmt::format("{} is outside [{}, {}]", *text, lo, hi));
    }
    return value;
  }

  // An integer in [lo, hi]; `fallback` when absent.
  std::int64_t get_int(std::string_view name, std::int64_t fallback,
                       std::int64_t lo, std::int64_t hi) const {
    const std::string* text = take(name);
    if (text == nullptr) return fallback;
    std::int64_t value = 0;
    const char* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || ptr != end) {
      throw ConfigError(field(name),
                        fmt::format("'{}' is not an integer", *text));
    }
    if (value < lo || value > hi) {
      throw ConfigError(field(name),
                        fmt::format("{} is outside [{}, {}]", value, lo, hi));
    }
    return value;
  }

  // Throws ConfigError naming the first parameter no getter asked for.
  // `known` lists the policy's parameter names for the message.
  void check_all_used(const std::vector<std::string_view>& known) const {
    for (const auto& [name, value] : values_) {
      if (!value.used) {
        throw ConfigError(
            field(name),
            known.empty()
                ? std::string("this policy takes no parameters")
                : fmt::format("unknown parameter (expected one of {})",
                              fmt::join(known, ", ")));
      }
    }
  }

 private:
  struct Value {
    std::string text;
    mutable bool used = false;
  };
  const std::string* take(std::string_view name) const {
    const auto it = values_.find(std::string(name));
    if (it == values_.end()) return nullptr;
    it->second.used = true;
    return &it->second.text;
  }
  std::string field(std::string_view name) const {
    return policy_.empty() ? std::string(name)
                           : fmt::format("{}.{}", policy_, name);
  }

  std::string policy_;
  std::map<std::string, Value, std::less<>> values_;
};

// Constructs an evictor of type E from a limit and parameters: E(gb, params)
// when E takes parameters (E's constructor then calls check_all_used), else
// E(gb) after checking that `params` is empty.
template <class E>
E make_evictor(double max_cache_size_gb, const PolicyParams& params) {
  if constexpr (std::is_constructible_v<E, double, const PolicyParams&>) {
    return E(max_cache_size_gb, params);
  } else {
    params.check_all_used({});
    return E(max_cache_size_gb);
  }
}

}  // namespace evictlab

#endif  // EVICTLAB_POLICY_PARAMS_H_
