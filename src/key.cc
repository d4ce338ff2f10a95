#include "evictlab/key.h"

#include <fmt/format.h>

#include <string_view>

namespace evictlab {
namespace {
constexpr std::string_view kCekPrefix = "cek:";
}  // namespace

std::string key_repr(const std::string& key) {
  return fmt::format("'{}'", key);
}

std::string key_repr(const CacheEngineKey& key) {
  return fmt::format("CacheEngineKey({})", key.to_string());
}

std::string key_repr(const Key& key) {
  return std::visit([](const auto& k) { return key_repr(k); }, key);
}

std::string key_to_trace_string(const Key& key) {
  if (const auto* cek = std::get_if<CacheEngineKey>(&key)) {
    return std::string(kCekPrefix) + cek->to_string();
  }
  return std::get<std::string>(key);
}

Key key_from_trace_string(const std::string& text) {
  if (std::string_view(text).substr(0, kCekPrefix.size()) == kCekPrefix) {
    return CacheEngineKey::from_string(
        std::string_view(text).substr(kCekPrefix.size()));
  }
  return text;
}

}  // namespace evictlab
