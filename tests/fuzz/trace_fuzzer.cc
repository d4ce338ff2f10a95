// Fuzz harness of the simulator's trace readers (sim/trace.h), one binary per
// format: EVICTLAB_FUZZ_FORMAT is a sim::TraceFormat enumerator. The input is
// the file's bytes; for csv the first kCsvOptionBytes bytes choose the
// CsvOptions (delimiter, header, field numbers, string ids) and the rest is
// the file.
//
// Checks: a read either succeeds or throws TraceError whose message starts
// with the path and names the record or line it blames; nothing else
// escapes. A successful read has next accesses that are -1 or a later
// request for the same id; reading without them gives the same requests; a
// binary format keeps every record but the skipped ones.
#include <cstdint>
#include <string>

#include "evictlab/sim/trace.h"
#include "tests/fuzz/fuzz_check.h"

#ifndef EVICTLAB_FUZZ_FORMAT
#error "EVICTLAB_FUZZ_FORMAT must name a sim::TraceFormat enumerator"
#endif

namespace {

using evictlab::sim::CsvOptions;
using evictlab::sim::Trace;
using evictlab::sim::TraceError;
using evictlab::sim::TraceFormat;

constexpr TraceFormat kFormat = TraceFormat::EVICTLAB_FUZZ_FORMAT;
constexpr std::size_t kCsvOptionBytes = kFormat == TraceFormat::kCsv ? 4 : 0;

// byte 0: delimiter (low 3 bits pick , \t ; | space, else the byte itself),
//         bit 3 header, bit 4 string ids;
// bytes 1..3: id, size and time field numbers (mod 8; 0 = absent).
CsvOptions decode_csv(const std::uint8_t* d) {
  constexpr char kDelims[] = {',', '\t', ';', '|', ' '};
  CsvOptions o;
  const unsigned pick = d[0] & 7u;
  o.delimiter = pick < 5 ? kDelims[pick] : static_cast<char>(d[0] >> 5 | 0x20);
  o.header = (d[0] & 8u) != 0;
  o.id_is_string = (d[0] & 16u) != 0;
  o.id_field = d[1] % 8;
  o.size_field = d[2] % 8;
  o.time_field = d[3] % 8;
  return o;
}

void check_error(const TraceError& e, const std::string& path) {
  const std::string what = e.what();
  EVICTLAB_FUZZ_CHECK(evictlab::fuzz::starts_with(what, path + ": "),
                      "message does not start with the path: %s", what.c_str());
  if (e.index() != 0) {
    const std::string unit =
        kFormat == TraceFormat::kOracleGeneral || kFormat == TraceFormat::kVscsi
            ? "record "
            : "line ";
    EVICTLAB_FUZZ_CHECK(
        evictlab::fuzz::starts_with(
            what, path + ": " + unit + std::to_string(e.index()) + ": "),
        "message does not name %s%llu: %s", unit.c_str(),
        static_cast<unsigned long long>(e.index()), what.c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static evictlab::fuzz::MemFile file;
  if (size < kCsvOptionBytes) return 0;
  CsvOptions csv;
  if constexpr (kFormat == TraceFormat::kCsv) csv = decode_csv(data);
  const std::uint8_t* body = data + kCsvOptionBytes;
  const std::size_t body_size = size - kCsvOptionBytes;
  const std::string& path = file.write(body, body_size);

  Trace with;
  try {
    with = evictlab::sim::read_trace(path, kFormat, csv, true);
  } catch (const TraceError& e) {
    check_error(e, path);
    // The same input read without next accesses fails the same way, except
    // that only the oracleGeneral next_access check depends on them.
    try {
      evictlab::sim::read_trace(path, kFormat, csv, false);
      EVICTLAB_FUZZ_CHECK(
          kFormat == TraceFormat::kOracleGeneral &&
              std::string(e.what()).find("next_access") != std::string::npos,
          "fails only with next accesses: %s", e.what());
    } catch (const TraceError& e2) {
      check_error(e2, path);
    }
    return 0;
  }
  EVICTLAB_FUZZ_CHECK(with.has_next_access, "next accesses not filled");
  const auto& reqs = with.requests;
  EVICTLAB_FUZZ_CHECK(!reqs.empty() || kFormat == TraceFormat::kOracleGeneral,
                      "a successful read with no request");
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const std::int64_t next = reqs[i].next_access;
    EVICTLAB_FUZZ_CHECK(
        next == -1 || (next > static_cast<std::int64_t>(i) &&
                       next < static_cast<std::int64_t>(reqs.size()) &&
                       reqs[static_cast<std::size_t>(next)].id == reqs[i].id),
        "request %zu: bad next_access %lld", i, static_cast<long long>(next));
    if (kFormat == TraceFormat::kOracleGeneral) {
      EVICTLAB_FUZZ_CHECK(reqs[i].size != 0, "a zero-size record was kept");
    }
  }
  if (kFormat == TraceFormat::kOracleGeneral) {
    EVICTLAB_FUZZ_CHECK(body_size % 24 == 0 && reqs.size() <= body_size / 24,
                        "%zu requests from %zu bytes", reqs.size(), body_size);
  }
  if (kFormat == TraceFormat::kVscsi) {
    EVICTLAB_FUZZ_CHECK(
        (body_size % 32 == 0 && reqs.size() == body_size / 32) ||
            (body_size % 40 == 0 && reqs.size() == body_size / 40),
        "%zu requests from %zu bytes", reqs.size(), body_size);
  }
  Trace without = evictlab::sim::read_trace(path, kFormat, csv, false);
  EVICTLAB_FUZZ_CHECK(without.requests.size() == reqs.size(),
                      "%zu requests without next accesses, %zu with",
                      without.requests.size(), reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    EVICTLAB_FUZZ_CHECK(without.requests[i].id == reqs[i].id &&
                            without.requests[i].size == reqs[i].size &&
                            without.requests[i].next_access == -1,
                        "request %zu differs without next accesses", i);
  }
  return 0;
}
