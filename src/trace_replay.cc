#include "evictlab/trace_replay.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "evictlab/cache_limit.h"
#include "evictlab/dtype.h"
#include "evictlab/errors.h"
#include "evictlab/key.h"
#include "evictlab/kv_object.h"
#include "evictlab/registry.h"
#include "nlohmann/json.hpp"

namespace evictlab {
namespace {

using json = nlohmann::json;
using Dict = DefaultDict::Type<Key, KVObject>;

// Malformed input on the current line; becomes a kInvalid outcome.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A well-formed line whose outcome differs; becomes a kMismatch outcome.
struct Mismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* json_type(const json& v) { return v.type_name(); }

const json& require(const json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end()) {
    throw InputError(fmt::format("missing field '{}'", field));
  }
  return *it;
}

std::int64_t as_int(const json& v, const char* field) {
  if (!v.is_number_integer()) {
    throw InputError(fmt::format("field '{}' must be an integer, got {} {}",
                                 field, json_type(v), v.dump()));
  }
  if (v.is_number_unsigned() &&
      v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    throw InputError(fmt::format("field '{}' is out of the int64 range: {}",
                                 field, v.dump()));
  }
  return v.get<std::int64_t>();
}

std::string as_string(const json& v, const char* field) {
  if (!v.is_string()) {
    throw InputError(fmt::format("field '{}' must be a string, got {} {}",
                                 field, json_type(v), v.dump()));
  }
  return v.get<std::string>();
}

Key as_key(const json& v, const char* field) {
  std::string text = as_string(v, field);
  try {
    return key_from_trace_string(text);
  } catch (const KeyParseError& e) {
    throw InputError(fmt::format("field '{}': {}", field, e.what()));
  }
}

std::vector<std::string> as_key_list(const json& v, const char* field) {
  if (!v.is_array()) {
    throw InputError(fmt::format("field '{}' must be an array of keys, got {}",
                                 field, json_type(v)));
  }
  std::vector<std::string> keys;
  for (const json& item : v) {
    // Parsed to validate `cek:` keys, kept in trace form for comparison.
    keys.push_back(key_to_trace_string(as_key(item, field)));
  }
  return keys;
}

std::vector<std::string> trace_strings(const std::vector<Key>& keys) {
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (const Key& k : keys) out.push_back(key_to_trace_string(k));
  return out;
}

std::vector<std::int64_t> as_int_list(const json& v, const char* field,
                                      std::size_t exact_size = 0) {
  if (!v.is_array() || (exact_size != 0 && v.size() != exact_size)) {
    throw InputError(
        exact_size == 0
            ? fmt::format("field '{}' must be an array of integers", field)
            : fmt::format("field '{}' must be an array of {} integers", field,
                          exact_size));
  }
  std::vector<std::int64_t> out;
  for (const json& item : v) out.push_back(as_int(item, field));
  return out;
}

void check_fields(const json& obj, std::initializer_list<const char*> allowed,
                  const char* what) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const char* name : allowed) known = known || it.key() == name;
    if (!known) {
      throw InputError(fmt::format("unknown field '{}' in {}", it.key(), what));
    }
  }
}

c10::ScalarType dtype_named(const std::string& name) {
  if (const auto dtype = dtype_from_name(name)) return *dtype;
  throw InputError(fmt::format(
      "field 'dtype': unknown dtype '{}' (expected one of float16, "
      "bfloat16, float32, float64, uint8, int8, int16, int32, int64, bool, "
      "complex64, complex128)",
      name));
}

// Guards the replay against a description that would allocate absurd memory:
// 1 GiB per object, 4x the largest the golden traces describe (a 256 MiB
// tensor pool). NOTE: the limit is in bytes, not elements: 2^31 elements of
// complex128 (32 GiB) used to pass, and the allocator's failure then read as
// a mismatch (exit 1) instead of bad input (exit 2).
constexpr std::int64_t kMaxObjectBytes = std::int64_t{1} << 30;

at::Tensor tensor_from_json(const json& kv) {
  check_fields(kv, {"type", "dtype", "shape", "narrow", "transpose"},
               "tensor kv");
  const c10::ScalarType dtype =
      dtype_named(as_string(require(kv, "dtype"), "dtype"));
  const std::vector<std::int64_t> shape =
      as_int_list(require(kv, "shape"), "shape");
  const auto element_bytes = static_cast<std::int64_t>(c10::elementSize(dtype));
  std::int64_t bytes = element_bytes;
  for (std::int64_t dim : shape) {
    if (dim < 0) {
      throw InputError(
          fmt::format("field 'shape': negative dimension {}", dim));
    }
    if (dim != 0 && bytes > kMaxObjectBytes / dim) {
      throw InputError(fmt::format(
          "field 'shape': a tensor of more than {} bytes is too large to "
          "replay",
          kMaxObjectBytes));
    }
    bytes *= dim;
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  try {
    if (auto it = kv.find("narrow"); it != kv.end()) {
      auto n = as_int_list(*it, "narrow", 3);
      t = t.narrow(n[0], n[1], n[2]);
    }
    if (auto it = kv.find("transpose"); it != kv.end()) {
      auto p = as_int_list(*it, "transpose", 2);
      t = t.transpose(p[0], p[1]);
    }
  } catch (const c10::Error& e) {
    throw InputError(
        fmt::format("invalid tensor view: {}", e.what_without_backtrace()));
  }
  return t;
}

KVObject kv_from_json(const json& kv) {
  if (!kv.is_object()) {
    throw InputError(
        fmt::format("field 'kv' must be an object, got {}", json_type(kv)));
  }
  const std::string type = as_string(require(kv, "type"), "type");
  if (type == "tensor") return tensor_from_json(kv);
  if (type == "bytearray") {
    check_fields(kv, {"type", "len"}, "bytearray kv");
    const std::int64_t len = as_int(require(kv, "len"), "len");
    if (len < 0 || len > kMaxObjectBytes) {
      throw InputError(fmt::format("field 'len' out of range: {}", len));
    }
    return ByteArray(static_cast<std::size_t>(len));
  }
  if (type == "kvobj") {
    check_fields(kv, {"type", "chunk_idx", "size"}, "kvobj kv");
    return KVObj{as_int(require(kv, "chunk_idx"), "chunk_idx"),
                 as_int(require(kv, "size"), "size"), at::TensorBase()};
  }
  if (type == "disk") {
    check_fields(kv, {"type", "path", "size"}, "disk kv");
    return DiskCacheMetadata{as_string(require(kv, "path"), "path"),
                             as_int(require(kv, "size"), "size"), std::nullopt,
                             std::nullopt};
  }
  // The types the original rejects, by their Python names.
  if (type == "bytes" || type == "str") {
    check_fields(kv, {"type", "len"}, "rejected kv");
    return UnsupportedKVObject{type};
  }
  if (type == "int") {
    check_fields(kv, {"type", "value"}, "rejected kv");
    return UnsupportedKVObject{"int"};
  }
  if (type == "none") {
    check_fields(kv, {"type"}, "rejected kv");
    return UnsupportedKVObject{"NoneType"};
  }
  throw InputError(fmt::format(
      "field 'type': unknown kv type '{}' (expected tensor, bytearray, kvobj, "
      "disk, bytes, str, int or none)",
      type));
}

// One policy behind the operations a trace records.
class Harness {
 public:
  virtual ~Harness() = default;
  // Returns the evicted keys and the status; throws CacheExhaustedError.
  virtual PutResult<Key> put(Dict& d, std::int64_t size) = 0;
  virtual void get(Dict& d, const Key& key) = 0;  // may throw KeyNotFoundError
  virtual void set(Dict& d, const Key& key, KVObject obj) = 0;
  virtual void pop(Dict& d, const Key& key) = 0;  // may throw KeyNotFoundError
  // `current_cache_size`, or nullopt for a policy that keeps none.
  virtual std::optional<double> current() const = 0;
  // Whether the recorded `current` of an update_on_put or pop line is
  // comparable. The reference reserves the incoming size at update_on_put and
  // leaves it alone on pop; strict mode accounts bytes when they are stored
  // and removed, so between a put and its `set` the two legitimately differ
  // and strict is compared on `set` lines only, where both have settled.
  virtual bool compares_current_mid_put() const { return true; }
};

// Any registered policy over the default dict, driven op by op: `set` and
// `pop` lines go through the evictor's store/remove (caller.h's hooks), so a
// policy that owns its accounting sees them.
template <class Policy>
class PolicyHarness final : public Harness {
  using Evictor = typename Policy::template Evictor<Dict>;

 public:
  explicit PolicyHarness(double gb) : evictor_(gb) {}
  PutResult<Key> put(Dict& d, std::int64_t size) override {
    return evictor_.update_on_put(d, size);
  }
  void get(Dict& d, const Key& key) override { evictor_.update_on_get(key, d); }
  void set(Dict& d, const Key& key, KVObject obj) override {
    evictor_.store(d, key, std::move(obj));
  }
  void pop(Dict& d, const Key& key) override { evictor_.remove(d, key); }
  std::optional<double> current() const override {
    if constexpr (kKeepsCurrentSize<Evictor>) {
      return static_cast<double>(evictor_.current_cache_size());
    } else {
      return std::nullopt;
    }
  }
  bool compares_current_mid_put() const override {
    return !Policy::kTraits.exact_accounting;
  }

 private:
  Evictor evictor_;
};

template <class T>
void expect_equal(const char* field, const T& expected, const T& actual) {
  if (!(expected == actual)) {
    throw Mismatch(fmt::format("field '{}': expected {}, actual {}", field,
                               expected, actual));
  }
}

std::string quoted_list(const std::vector<std::string>& keys) {
  return fmt::format("[{}]", fmt::join(keys, ", "));
}

void expect_keys(const char* field, const std::vector<std::string>& expected,
                 const std::vector<std::string>& actual) {
  if (expected != actual) {
    throw Mismatch(fmt::format("field '{}': expected {}, actual {}", field,
                               quoted_list(expected), quoted_list(actual)));
  }
}

class Replayer {
 public:
  Replayer(std::unique_ptr<Harness> harness) : harness_(std::move(harness)) {}

  void apply(const json& line) {
    const std::string op = as_string(require(line, "op"), "op");
    if (op == "update_on_put") return update_on_put(line);
    if (op == "update_on_get") return update_on_get(line);
    if (op == "contains") return contains(line);
    if (op == "pop") return pop(line);
    if (op == "set") return set(line);
    if (op == "get_size") return get_size_op(line);
    if (op == "order") return order(line);
    throw InputError(fmt::format(
        "field 'op': unknown operation '{}' (expected update_on_put, "
        "update_on_get, contains, pop, set, get_size or order)",
        op));
  }

 private:
  // Optional `error` must name one of the errors this op can raise.
  static std::optional<std::string> expected_error(const json& line,
                                                   const char* allowed) {
    auto it = line.find("error");
    if (it == line.end()) return std::nullopt;
    std::string error = as_string(*it, "error");
    if (error != allowed) {
      throw InputError(fmt::format(
          "field 'error': '{}' is not an error this operation raises "
          "(expected '{}')",
          error, allowed));
    }
    return error;
  }

  static void expect_outcome(const std::optional<std::string>& expected,
                             const std::optional<std::string>& actual) {
    if (expected != actual) {
      throw Mismatch(fmt::format("field 'error': expected {}, actual {}",
                                 expected.value_or("no error"),
                                 actual.value_or("no error")));
    }
  }

  // `current` and `len` after the call, when recorded.
  void check_state(const json& line, bool compare_current = true) {
    if (auto it = line.find("current"); it != line.end() && compare_current) {
      if (!it->is_number()) {
        throw InputError(fmt::format("field 'current' must be a number, got {}",
                                     json_type(*it)));
      }
      const std::optional<double> actual = harness_->current();
      if (!actual) {
        throw InputError(
            "field 'current' recorded for a policy that keeps no "
            "current size");
      }
      expect_equal("current", it->get<double>(), *actual);
    }
    if (auto it = line.find("len"); it != line.end()) {
      expect_equal("len", as_int(*it, "len"),
                   static_cast<std::int64_t>(dict_.size()));
    }
  }

  void update_on_put(const json& line) {
    check_fields(line,
                 {"op", "size", "evict", "status", "error", "current", "len"},
                 "update_on_put");
    const std::int64_t size = as_int(require(line, "size"), "size");
    const auto expected_err = expected_error(line, "StopIteration");
    std::optional<std::string> actual_err;
    PutResult<Key> result;
    try {
      result = harness_->put(dict_, size);
    } catch (const CacheExhaustedError&) {
      actual_err = "StopIteration";
    }
    expect_outcome(expected_err, actual_err);
    if (!expected_err) {
      expect_keys("evict", as_key_list(require(line, "evict"), "evict"),
                  trace_strings(result.evict_keys));
      const std::string status = as_string(require(line, "status"), "status");
      if (status != "LEGAL" && status != "ILLEGAL") {
        throw InputError(fmt::format(
            "field 'status': '{}' is not LEGAL or ILLEGAL", status));
      }
      expect_equal("status", status,
                   std::string(put_status_name(result.status)));
    }
    check_state(line, harness_->compares_current_mid_put());
  }

  void update_on_get(const json& line) {
    check_fields(line, {"op", "key", "error"}, "update_on_get");
    const Key key = as_key(require(line, "key"), "key");
    const auto expected_err = expected_error(line, "KeyError");
    std::optional<std::string> actual_err;
    try {
      harness_->get(dict_, key);
    } catch (const KeyNotFoundError&) {
      actual_err = "KeyError";
    }
    expect_outcome(expected_err, actual_err);
  }

  void contains(const json& line) {
    check_fields(line, {"op", "key", "result"}, "contains");
    const Key key = as_key(require(line, "key"), "key");
    const json& result = require(line, "result");
    if (!result.is_boolean()) {
      throw InputError("field 'result' must be true or false");
    }
    expect_equal("result", result.get<bool>(), dict_.contains(key));
  }

  void pop(const json& line) {
    check_fields(line, {"op", "key", "error", "current", "len"}, "pop");
    const Key key = as_key(require(line, "key"), "key");
    const auto expected_err = expected_error(line, "KeyError");
    std::optional<std::string> actual_err;
    try {
      harness_->pop(dict_, key);
    } catch (const KeyNotFoundError&) {
      actual_err = "KeyError";
    }
    expect_outcome(expected_err, actual_err);
    check_state(line, harness_->compares_current_mid_put());
  }

  void set(const json& line) {
    check_fields(line, {"op", "key", "kv", "current", "len"}, "set");
    const Key key = as_key(require(line, "key"), "key");
    harness_->set(dict_, key, kv_from_json(require(line, "kv")));
    check_state(line);
  }

  void get_size_op(const json& line) {
    check_fields(line, {"op", "kv", "size", "error", "message"}, "get_size");
    const KVObject obj = kv_from_json(require(line, "kv"));
    const auto expected_err = expected_error(line, "UnknownKVType");
    std::optional<std::string> actual_err;
    std::int64_t size = 0;
    std::string message;
    try {
      size = get_size(obj);
    } catch (const UnknownKVTypeError& e) {
      actual_err = "UnknownKVType";
      message = e.what();
    }
    expect_outcome(expected_err, actual_err);
    if (expected_err) {
      expect_equal("message", as_string(require(line, "message"), "message"),
                   message);
    } else {
      expect_equal("size", as_int(require(line, "size"), "size"), size);
    }
  }

  void order(const json& line) {
    check_fields(line, {"op", "keys"}, "order");
    expect_keys("keys", as_key_list(require(line, "keys"), "keys"),
                trace_strings(dict_.keys()));
  }

  std::unique_ptr<Harness> harness_;
  Dict dict_;
};

std::unique_ptr<Harness> harness_from_header(const json& header,
                                             ReplayMode mode) {
  if (!header.is_object()) throw InputError("header must be a JSON object");
  check_fields(header,
               {"trace", "policy", "max_cache_size_gb", "max_bytes", "note"},
               "header");
  const std::string policy = as_string(require(header, "policy"), "policy");
  const json& gb_field = require(header, "max_cache_size_gb");
  if (!gb_field.is_number()) {
    throw InputError("field 'max_cache_size_gb' must be a number");
  }
  const double gb = gb_field.get<double>();
  // Strict mode replays through the policy's exact-accounting port
  // (`<name>_strict`) when the registry has one; policies without one
  // already account exactly, or not at all.
  std::string name = policy;
  if (mode == ReplayMode::kStrict &&
      with_policy_named(policy + "_strict", [](auto) {})) {
    name = policy + "_strict";
  }
  try {
    if (auto it = header.find("max_bytes");
        it != header.end() && !it->is_null()) {
      const std::int64_t recorded = as_int(*it, "max_bytes");
      const std::int64_t actual = max_bytes_from_gb(gb);
      if (recorded != actual) {
        throw Mismatch(fmt::format(
            "field 'max_bytes': expected {}, actual {} (int({} * 1024**3))",
            recorded, actual, gb));
      }
    }
    std::unique_ptr<Harness> harness;
    const bool known = with_policy_named(name, [&](auto p) {
      harness = std::make_unique<PolicyHarness<decltype(p)>>(gb);
    });
    if (!known) {
      std::string names;
      for_each_policy([&](auto p) {
        if (!names.empty()) names += ", ";
        names += decltype(p)::kTraits.name;
      });
      throw InputError(fmt::format(
          "field 'policy': unknown policy '{}' (expected one of {})", policy,
          names));
    }
    return harness;
  } catch (const ConfigError& e) {
    throw InputError(e.what());
  }
}

}  // namespace

std::string ReplayOutcome::describe() const {
  switch (kind) {
    case Kind::kPass:
      return fmt::format("PASS {} ({} ops)", file, operations);
    case Kind::kMismatch:
      return fmt::format("FAIL {}:{}: {}: {}", file, line, op, message);
    case Kind::kInvalid:
      // Line 0: a file-level error (unreadable, empty), no line to blame.
      if (line == 0) return fmt::format("ERROR {}: {}", file, message);
      return op.empty()
                 ? fmt::format("ERROR {}:{}: {}", file, line, message)
                 : fmt::format("ERROR {}:{}: {}: {}", file, line, op, message);
  }
  return {};
}

ReplayOutcome replay_trace(std::istream& in, std::string_view name,
                           ReplayMode mode) {
  ReplayOutcome outcome;
  outcome.file = std::string(name);
  std::unique_ptr<Replayer> replayer;
  std::string text;
  std::size_t line_no = 0;
  while (std::getline(in, text)) {
    ++line_no;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    outcome.line = line_no;
    outcome.op.clear();
    try {
      json line;
      try {
        line = json::parse(text);
      } catch (const json::parse_error& e) {
        throw InputError(fmt::format("bad JSON: {}", e.what()));
      }
      if (!replayer) {
        replayer = std::make_unique<Replayer>(harness_from_header(line, mode));
        continue;
      }
      if (!line.is_object()) throw InputError("line must be a JSON object");
      if (auto it = line.find("op"); it != line.end() && it->is_string()) {
        outcome.op = it->get<std::string>();
      }
      replayer->apply(line);
      ++outcome.operations;
    } catch (const Mismatch& e) {
      outcome.kind = ReplayOutcome::Kind::kMismatch;
      outcome.message = e.what();
      return outcome;
    } catch (const std::exception& e) {
      // InputError, and anything a malformed value provokes further down
      // (e.g. a KeyError from an operation the trace does not expect).
      outcome.kind = dynamic_cast<const InputError*>(&e)
                         ? ReplayOutcome::Kind::kInvalid
                         : ReplayOutcome::Kind::kMismatch;
      outcome.message = e.what();
      return outcome;
    }
  }
  if (in.bad()) {
    outcome.kind = ReplayOutcome::Kind::kInvalid;
    outcome.message = "read error";
    return outcome;
  }
  if (!replayer) {
    outcome.kind = ReplayOutcome::Kind::kInvalid;
    outcome.line = 0;
    outcome.message = line_no == 0 ? "empty trace: no header line"
                                   : "empty trace: only blank lines, no "
                                     "header line";
    return outcome;
  }
  outcome.line = 0;
  outcome.op.clear();
  return outcome;
}

ReplayOutcome replay_trace_file(const std::string& path, ReplayMode mode) {
  std::ifstream in(path);
  if (!in) {
    ReplayOutcome outcome;
    outcome.kind = ReplayOutcome::Kind::kInvalid;
    outcome.file = path;
    outcome.message = fmt::format("cannot open: {}", std::strerror(errno));
    return outcome;
  }
  return replay_trace(in, path, mode);
}

}  // namespace evictlab
