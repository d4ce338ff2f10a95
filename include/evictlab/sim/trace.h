// Trace readers of the simulator (SIM-SPEC section 2) and the next-access
// pre-pass (section 3). A trace is read whole into memory: `evictlab simulate`
// replays it once per (policy, cache size), so it is decoded once up front.
//
// Thread-safety: every function here is reentrant; a `Trace` is a plain value
// (concurrent reads are safe, writes need external synchronisation).
#ifndef EVICTLAB_SIM_TRACE_H_
#define EVICTLAB_SIM_TRACE_H_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace evictlab::sim {

// One request. `next_access` is the 0-based index into `Trace::requests` of
// the next request for the same `id`, or -1 when there is none (SIM-SPEC's
// "+infinity").
struct Request {
  std::uint64_t id;
  std::uint64_t size;
  std::int64_t next_access;
};

enum class TraceFormat { kOracleGeneral, kVscsi, kCsv, kTxt };

// "oraclegeneral", "vscsi", "csv", "txt", matched ASCII-case-insensitively (so
// libCacheSim's "oracleGeneral" works too); nullopt for anything else,
// including "mooncake" (KV mode has its own reader). O(1).
std::optional<TraceFormat> trace_format_from_name(std::string_view name);
// The canonical (lower-case) name, as `trace_format_from_name` takes it.
std::string_view trace_format_name(TraceFormat format);

// Field layout of a csv trace. Field numbers are 1-based; 0 = absent.
// - `id_field` is required (an error otherwise).
// - `size_field` 0: every request has size 1 (libCacheSim's default).
// - `time_field`: when set, the field must exist and be a number (integer or
//   decimal); its value is checked but not kept (no policy uses time).
// - `id_is_string`: the id field is any string (possibly empty), mapped to a
//   64-bit id by `hash_string_id` (FNV-1a 64); otherwise it must be a decimal
//   unsigned 64-bit integer.
// Fields are split on `delimiter` with no quoting; ASCII spaces and tabs
// around a field are trimmed; a trailing '\r' (CRLF files) is dropped.
struct CsvOptions {
  char delimiter = ',';
  bool header = false;
  int time_field = 0;
  int id_field = 0;
  int size_field = 0;
  bool id_is_string = false;
};

struct Trace {
  std::vector<Request> requests;
  // Whether `next_access` is filled (compute_next_access ran); otherwise
  // every request's is -1 and only policies without future knowledge run.
  bool has_next_access = false;
};

// A malformed or unreadable trace. `what()` is
// "<path>: record N: <reason>" for binary formats, where N is the 1-based
// number of the record in the file (skipped records count), or
// "<path>: line N: <reason>" for text formats (1-based line numbers, the
// header line included), or "<path>: <reason>" for file-level errors.
// `index()` is that N (0 for file-level errors).
class TraceError : public std::runtime_error {
 public:
  TraceError(const std::string& path, std::string_view unit,
             std::uint64_t index, const std::string& reason);
  TraceError(const std::string& path, const std::string& reason);
  const std::string& path() const noexcept { return path_; }
  std::uint64_t index() const noexcept { return index_; }

 private:
  std::string path_;
  std::uint64_t index_ = 0;
};

// Reads the whole trace at `path` (memory-mapped; one pass, the request vector
// reserved up front, no allocation per record). `csv` is used only for
// kCsv. O(file size) time; memory = 24 bytes per request plus, during
// `compute_next_access`, a hash map over the distinct ids.
//
// Formats (SIM-SPEC section 2, little-endian):
// - kOracleGeneral: 24-byte records; records with obj_size == 0 are skipped
//   (the only skipping any reader does). With `with_next_access`, the
//   records' own next_access (1-based, -1 for none) is used when no record
//   was skipped; each must be -1 or the index of a later request for the
//   same object (else TraceError naming the record). Once records are
//   skipped the field no longer indexes `requests`, and it is recomputed.
// - kVscsi: v1 (32-byte) or v2 (40-byte) records, version detected from the
//   first two records (or the only one) as SIM-SPEC says; id = lbn,
//   size = len.
// - kCsv: see CsvOptions.
// - kTxt: one decimal object id per line, size 1. Every line must hold an id:
//   a blank line is an error, except that the file may end with one newline.
//   A trailing '\r' is dropped and spaces/tabs around the id are trimmed.
// Every format: `next_access` is filled by `compute_next_access` when
// `with_next_access` (a pass over a hash map of the ids, as long as the read
// itself: callers skip it unless a policy needs the future), else -1.
//
// Throws TraceError when the file cannot be opened or read, is empty, has a
// truncated record (its size is not a multiple of the record size), an
// unknown vscsi version, or a malformed text line (missing field, non-numeric
// id or size, a number beyond 2^64-1), and for a csv without `id_field`.
Trace read_trace(const std::string& path, TraceFormat format,
                 const CsvOptions& csv = {}, bool with_next_access = true);

// SIM-SPEC section 3: sets every request's `next_access` to the index of the
// next request with the same id, or -1. O(n) expected time, one backward pass
// with a hash map of the distinct ids (~16 bytes per distinct id, transient).
void compute_next_access(Trace& trace);

// The id of a string object id (`CsvOptions::id_is_string`): FNV-1a 64
// (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the field's
// bytes. Stable across builds and machines, unlike absl::Hash. O(length).
std::uint64_t hash_string_id(std::string_view text);

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_TRACE_H_
