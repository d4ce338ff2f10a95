#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "evictlab/sim/kv_trace.h"
#include "nlohmann/json.hpp"

namespace evictlab::sim {
namespace {

// One line through nlohmann's SAX interface: the ids go straight into a
// reused vector, so a line costs no DOM (no allocation per request in steady
// state) and each number arrives with its exact type (an integer above
// 2^64-1 or with a fraction arrives as a float, and is refused).
class LineHandler {
 public:
  using json = nlohmann::json;
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit LineHandler(std::vector<std::uint64_t>& ids) : ids_(ids) {}

  void reset() {
    ids_.clear();
    depth_ = 0;
    field_ = Field::kOther;
    in_ids_ = false;
    have_ids_ = have_input_ = have_time_ = have_output_ = false;
    input_length_ = 0;
    error_.clear();
  }

  bool null() { return scalar("null"); }
  bool boolean(bool) { return scalar("a boolean"); }
  bool string(string_t&) { return scalar("a string"); }
  bool binary(binary_t&) { return scalar("binary"); }
  bool number_float(number_float_t v, const string_t& text) {
    // nlohmann hands an integer above 2^64-1 over as a float too; calling
    // it "not an integer" would send the user looking for a fraction.
    const bool integral = text.find_first_of(".eE") == string_t::npos;
    const std::string why = !integral ? fmt::format("{}, not an integer", text)
                            : text[0] == '-'
                                ? fmt::format("negative ({})", text)
                                : fmt::format("{}, above 2^64-1", text);
    if (in_ids_ && depth_ == 2) {
      return fail(fmt::format("'hash_ids'[{}] is {}", ids_.size(), why));
    }
    if (depth_ == 1 && field_ == Field::kTimestamp) {
      // A timestamp may be fractional milliseconds.
      if (!(v >= 0)) {
        return fail(fmt::format("'timestamp' is negative ({})", text));
      }
      return true;
    }
    return scalar_number(why);
  }
  bool number_integer(number_integer_t v) {
    if (v >= 0) return number_unsigned(static_cast<number_unsigned_t>(v));
    if (in_ids_ && depth_ == 2) {
      return fail(
          fmt::format("'hash_ids'[{}] is negative ({})", ids_.size(), v));
    }
    if (depth_ == 1 && field_ != Field::kOther) {
      return fail(fmt::format("'{}' is negative ({})", field_name(), v));
    }
    return outside_fields();
  }
  bool number_unsigned(number_unsigned_t v) {
    if (in_ids_ && depth_ == 2) {
      ids_.push_back(v);
      return true;
    }
    if (depth_ == 1 && field_ == Field::kInputLength) input_length_ = v;
    return outside_fields();
  }

  bool start_object(std::size_t) {
    if (depth_ == 0) {
      ++depth_;
      return true;
    }
    if (in_ids_ && depth_ == 2) {
      return fail(fmt::format("'hash_ids'[{}] is an object, not an integer",
                              ids_.size()));
    }
    if (depth_ == 1 && field_ != Field::kOther) {
      return fail(
          fmt::format("'{}' is an object, not a{}", field_name(),
                      field_ == Field::kHashIds ? "n array" : " number"));
    }
    ++depth_;
    return true;
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0) return fail("the line is a JSON array, not an object");
    if (depth_ == 1 && field_ == Field::kHashIds) {
      in_ids_ = true;
    } else if (in_ids_ && depth_ == 2) {
      return fail(fmt::format("'hash_ids'[{}] is an array, not an integer",
                              ids_.size()));
    } else if (depth_ == 1 && field_ != Field::kOther) {
      return fail(fmt::format("'{}' is an array, not a number", field_name()));
    }
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    if (depth_ == 1) in_ids_ = false;
    return true;
  }
  bool key(string_t& name) {
    if (depth_ != 1) return true;
    bool* seen = nullptr;
    if (name == "hash_ids") {
      field_ = Field::kHashIds;
      seen = &have_ids_;
    } else if (name == "input_length") {
      field_ = Field::kInputLength;
      seen = &have_input_;
    } else if (name == "timestamp") {
      field_ = Field::kTimestamp;
      seen = &have_time_;
    } else if (name == "output_length") {
      field_ = Field::kOutputLength;
      seen = &have_output_;
    } else {
      field_ = Field::kOther;
      return true;
    }
    if (*seen) return fail(fmt::format("'{}' appears twice", name));
    *seen = true;
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 7:
    // ..." -> from "column" on (the line is ours to name).
    std::string_view what = e.what();
    if (const auto at = what.find("column"); at != std::string_view::npos) {
      what.remove_prefix(at);
    }
    return fail(fmt::format("not valid JSON: {}", what));
  }

  // After a successful parse: the checks that need the whole line.
  bool finish() {
    if (!have_input_) return fail("missing 'input_length'");
    if (!have_ids_) return fail("missing 'hash_ids'");
    const std::uint64_t want = kv_blocks_for_tokens(input_length_);
    if (ids_.size() != want) {
      if (ids_.empty()) {
        return fail(fmt::format(
            "'hash_ids' is empty but input_length {} needs {} block(s)",
            input_length_, want));
      }
      return fail(fmt::format(
          "'hash_ids' has {} id(s) but input_length {} needs ceil({} / 512) "
          "= {}",
          ids_.size(), input_length_, input_length_, want));
    }
    return true;
  }

  std::uint64_t input_length() const { return input_length_; }
  const std::string& error() const { return error_; }

 private:
  enum class Field {
    kOther,
    kHashIds,
    kInputLength,
    kTimestamp,
    kOutputLength
  };

  const char* field_name() const {
    switch (field_) {
      case Field::kHashIds:
        return "hash_ids";
      case Field::kInputLength:
        return "input_length";
      case Field::kTimestamp:
        return "timestamp";
      case Field::kOutputLength:
        return "output_length";
      default:
        return "?";
    }
  }
  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  bool scalar(const char* kind) {
    if (depth_ == 0)
      return fail(fmt::format("the line is {}, not an object", kind));
    if (in_ids_ && depth_ == 2) {
      return fail(fmt::format("'hash_ids'[{}] is {}, not an integer",
                              ids_.size(), kind));
    }
    if (depth_ == 1 && field_ != Field::kOther) {
      return fail(
          fmt::format("'{}' is {}, not a{}", field_name(), kind,
                      field_ == Field::kHashIds ? "n array" : " number"));
    }
    return true;
  }
  bool scalar_number(const std::string& what) {
    if (depth_ == 0) return fail("the line is a number, not an object");
    if (depth_ == 1 && field_ == Field::kHashIds) {
      return fail("'hash_ids' is a number, not an array");
    }
    if (depth_ == 1 && field_ != Field::kOther) {
      return fail(fmt::format("'{}' is {}", field_name(), what));
    }
    return true;
  }
  bool outside_fields() {
    if (depth_ == 0) return fail("the line is a number, not an object");
    if (depth_ == 1 && field_ == Field::kHashIds) {
      return fail("'hash_ids' is a number, not an array");
    }
    return true;
  }

  std::vector<std::uint64_t>& ids_;
  int depth_ = 0;
  Field field_ = Field::kOther;
  bool in_ids_ = false;
  bool have_ids_ = false, have_input_ = false, have_time_ = false,
       have_output_ = false;
  std::uint64_t input_length_ = 0;
  std::string error_;
};

}  // namespace

KvTrace parse_mooncake(std::string_view text, std::string_view name) {
  const std::string path(name);
  if (text.empty()) throw TraceError(path, "empty trace");
  KvTrace trace;
  const std::size_t lines =
      static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  trace.offsets.reserve(lines + 1);
  trace.input_length.reserve(lines);
  std::vector<std::uint64_t> ids;
  LineHandler handler(ids);
  std::size_t pos = 0;
  std::uint64_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      throw TraceError(path, "line", line_no, "blank line");
    }
    handler.reset();
    const bool ok =
        nlohmann::json::sax_parse(line.begin(), line.end(), &handler) &&
        handler.finish();
    if (!ok) {
      throw TraceError(
          path, "line", line_no,
          handler.error().empty() ? "not valid JSON" : handler.error());
    }
    trace.add_request(ids.data(), ids.size(), handler.input_length());
  }
  return trace;
}

KvTrace read_mooncake(const std::string& path, bool with_next_access) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TraceError(path, "cannot open for reading");
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw TraceError(path, "cannot read");
  in.seekg(0, std::ios::beg);
  text.resize(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(text.data(), size)) {
    throw TraceError(path, "cannot read");
  }
  KvTrace trace = parse_mooncake(text, path);
  if (with_next_access) compute_kv_next_access(trace);
  return trace;
}

void compute_kv_next_access(KvTrace& trace) {
  const std::size_t n = trace.size();
  trace.next_access.assign(trace.blocks.size(), -1);
  // block -> its first reference in the earliest request after the one
  // being processed.
  absl::flat_hash_map<std::uint64_t, std::int64_t> next;
  for (std::size_t r = n; r-- > 0;) {
    const std::uint64_t begin = trace.offsets[r];
    const std::uint64_t end = trace.offsets[r + 1];
    for (std::uint64_t x = begin; x < end; ++x) {
      const auto it = next.find(trace.blocks[x]);
      trace.next_access[x] = it == next.end() ? -1 : it->second;
    }
    // Backward, so that a block's first position in r wins.
    for (std::uint64_t x = end; x-- > begin;) {
      next.insert_or_assign(trace.blocks[x], static_cast<std::int64_t>(x));
    }
  }
  trace.has_next_access = true;
}

std::uint64_t count_distinct_blocks(const KvTrace& trace) {
  absl::flat_hash_set<std::uint64_t> seen;
  seen.reserve(trace.blocks.size() / 2);
  for (std::uint64_t b : trace.blocks) seen.insert(b);
  return seen.size();
}

}  // namespace evictlab::sim
