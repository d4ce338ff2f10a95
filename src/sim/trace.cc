#include "evictlab/sim/trace.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "fmt/format.h"

namespace evictlab::sim {

namespace {

// The whole file, read-only: memory-mapped when it is a regular file, read
// into a string otherwise (pipes). Closes and unmaps on destruction.
class FileView {
 public:
  explicit FileView(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw TraceError(path,
                       fmt::format("cannot open: {}", std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int err = errno;
      ::close(fd_);
      throw TraceError(path,
                       fmt::format("cannot stat: {}", std::strerror(err)));
    }
    if (S_ISREG(st.st_mode)) {
      size_ = static_cast<std::size_t>(st.st_size);
      if (size_ == 0) return;
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (p == MAP_FAILED) {
        const int err = errno;
        ::close(fd_);
        throw TraceError(path,
                         fmt::format("cannot map: {}", std::strerror(err)));
      }
      ::madvise(p, size_, MADV_SEQUENTIAL);
      map_ = p;
      data_ = static_cast<const char*>(p);
      return;
    }
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd_);
        throw TraceError(path,
                         fmt::format("cannot read: {}", std::strerror(err)));
      }
      copy_.append(buf, static_cast<std::size_t>(n));
    }
    data_ = copy_.data();
    size_ = copy_.size();
  }
  ~FileView() {
    if (map_ != nullptr) ::munmap(map_, size_);
    if (fd_ >= 0) ::close(fd_);
  }
  FileView(const FileView&) = delete;
  FileView& operator=(const FileView&) = delete;

  const char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  int fd_ = -1;
  void* map_ = nullptr;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::string copy_;
};

template <class T>
T load_le(const char* p) {
  // Little-endian hosts only (x86-64, aarch64), as libCacheSim.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void check_whole_records(const std::string& path, std::size_t file_size,
                         std::size_t record_size) {
  if (file_size % record_size != 0) {
    throw TraceError(
        path, "record", file_size / record_size + 1,
        fmt::format("truncated: {} of {} bytes (file size {})",
                    file_size % record_size, record_size, file_size));
  }
}

// Returns whether the records' own next accesses were taken (SIM-SPEC
// section 3: "next_access comes from the oracleGeneral record"): only when
// `with_next_access` and no record was skipped, since skipping shifts the
// indices. Each one must be -1 or the 1-based index of a later request for
// the same object, else the record is malformed (TraceError naming it). The
// check reads one other record per request: a third of the cost of
// recomputing them with a hash map (measured on the 10^7-request Zipf trace).
bool read_oracle_general(const std::string& path, const FileView& file,
                         Trace& trace, bool with_next_access) {
  constexpr std::size_t kRecord = 24;
  check_whole_records(path, file.size(), kRecord);
  const std::size_t n = file.size() / kRecord;
  trace.requests.reserve(n);
  const char* p = file.data();
  for (std::size_t i = 0; i < n; ++i, p += kRecord) {
    const auto size = load_le<std::uint32_t>(p + 12);
    if (size == 0) continue;
    trace.requests.push_back(
        {load_le<std::uint64_t>(p + 4), size,
         with_next_access ? load_le<std::int64_t>(p + 16) : std::int64_t{-1}});
  }
  if (!with_next_access) return false;
  auto& reqs = trace.requests;
  if (reqs.size() != n) return false;  // skipped records: recompute
  const auto count = static_cast<std::int64_t>(n);
  for (std::int64_t i = 0; i < count; ++i) {
    Request& r = reqs[static_cast<std::size_t>(i)];
    const std::int64_t next = r.next_access;
    if (next == -1) continue;
    if (next <= i + 1 || next > count ||
        reqs[static_cast<std::size_t>(next - 1)].id != r.id) {
      throw TraceError(
          path, "record", static_cast<std::uint64_t>(i + 1),
          fmt::format("next_access {} is not the 1-based index of a later "
                      "request for object {}",
                      next, r.id));
    }
    r.next_access = next - 1;
  }
  trace.has_next_access = true;
  return true;
}

void read_vscsi(const std::string& path, const FileView& file, Trace& trace) {
  constexpr std::size_t kV1 = 32;
  constexpr std::size_t kV2 = 40;
  const char* d = file.data();
  const std::size_t size = file.size();
  // v2 if every one of the first two records (as many as the file holds)
  // reads as v2 with ver >> 8 == 2; else likewise for v1; else an error.
  auto looks_like = [&](std::size_t rec, std::size_t ver_offset, int want) {
    const std::size_t n = std::min<std::size_t>(2, size / rec);
    if (n == 0) return false;
    for (std::size_t i = 0; i < n; ++i) {
      if ((load_le<std::uint16_t>(d + i * rec + ver_offset) >> 8) != want) {
        return false;
      }
    }
    return true;
  };
  // Not even one whole record of the smaller version.
  if (size < kV1) check_whole_records(path, size, kV1);
  std::size_t rec = 0;
  if (looks_like(kV2, 2, 2)) {
    rec = kV2;
  } else if (looks_like(kV1, 14, 1)) {
    rec = kV1;
  } else {
    // Blame the first record that reads as neither version; if each reads
    // as one, record 2 disagrees with record 1.
    auto version_at = [&](std::size_t rec_size, std::size_t i,
                          std::size_t ver_offset) -> int {
      if ((i + 1) * rec_size > size) return -1;
      return load_le<std::uint16_t>(d + i * rec_size + ver_offset) >> 8;
    };
    const int v2_1 = version_at(kV2, 0, 2), v1_1 = version_at(kV1, 0, 14);
    const bool first_is_neither = v2_1 != 2 && v1_1 != 1;
    const std::size_t i = first_is_neither ? 0 : 1;
    auto reading = [&](std::size_t rec_size, std::size_t ver_offset) {
      const int v = version_at(rec_size, i, ver_offset);
      return v < 0 ? fmt::format(
                         "as v{} ({}-byte records) there is no record "
                         "{}",
                         rec_size == kV2 ? 2 : 1, rec_size, i + 1)
                   : fmt::format("as v{} ({}-byte records) ver >> 8 is {}",
                                 rec_size == kV2 ? 2 : 1, rec_size, v);
    };
    throw TraceError(path, "record", i + 1,
                     fmt::format("unknown vscsi version: read {}; read {}; "
                                 "the first two records must both read 2 or "
                                 "both read 1",
                                 reading(kV2, 2), reading(kV1, 14)));
  }
  check_whole_records(path, size, rec);
  const std::size_t n = size / rec;
  const std::size_t len_offset = rec == kV1 ? 4 : 8;
  constexpr std::size_t kLbnOffset = 16;  // in both versions
  trace.requests.resize(n);
  const char* p = d;
  for (std::size_t i = 0; i < n; ++i, p += rec) {
    trace.requests[i] = {load_le<std::uint64_t>(p + kLbnOffset),
                         load_le<std::uint32_t>(p + len_offset), -1};
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  if (s.size() > kMax) return fmt::format("'{}...'", s.substr(0, kMax));
  return fmt::format("'{}'", s);
}

// A decimal unsigned 64-bit integer, the whole of `s`.
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool is_number(std::string_view s) {
  if (s.empty()) return false;
  double v;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Calls fn(line, line_number) for every line; a final newline does not start
// an extra line. '\r' before '\n' is dropped.
template <class Fn>
void for_each_line(const FileView& file, Fn&& fn) {
  const char* p = file.data();
  const char* end = p + file.size();
  std::uint64_t line_no = 0;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* stop = nl != nullptr ? nl : end;
    std::string_view line(p, static_cast<std::size_t>(stop - p));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, ++line_no);
    p = nl != nullptr ? nl + 1 : end;
  }
}

std::size_t count_lines(const FileView& file) {
  return static_cast<std::size_t>(
             std::count(file.data(), file.data() + file.size(), '\n')) +
         1;
}

void read_txt(const std::string& path, const FileView& file, Trace& trace) {
  trace.requests.reserve(count_lines(file));
  for_each_line(file, [&](std::string_view line, std::uint64_t line_no) {
    const std::string_view field = trim(line);
    std::uint64_t id;
    if (field.empty()) throw TraceError(path, "line", line_no, "blank line");
    if (!parse_u64(field, id)) {
      throw TraceError(path, "line", line_no,
                       fmt::format("object id {} is not an unsigned 64-bit "
                                   "decimal integer",
                                   quoted(field)));
    }
    trace.requests.push_back({id, 1, -1});
  });
}

void read_csv(const std::string& path, const FileView& file,
              const CsvOptions& opt, Trace& trace) {
  if (opt.id_field <= 0) {
    throw TraceError(path, "csv: the id field number is not set (1-based)");
  }
  if (opt.time_field < 0 || opt.size_field < 0) {
    throw TraceError(path, "csv: a field number is negative");
  }
  const int max_field =
      std::max({opt.id_field, opt.size_field, opt.time_field});
  // Fields of the current line, indexed 1..max_field; only the first
  // max_field are split out.
  std::vector<std::string_view> fields(static_cast<std::size_t>(max_field) + 1);
  trace.requests.reserve(count_lines(file));
  bool header_pending = opt.header;
  for_each_line(file, [&](std::string_view line, std::uint64_t line_no) {
    if (header_pending) {
      header_pending = false;
      return;
    }
    if (trim(line).empty())
      throw TraceError(path, "line", line_no, "blank line");
    int n = 0;
    std::size_t pos = 0;
    while (n < max_field) {
      const std::size_t d = line.find(opt.delimiter, pos);
      fields[static_cast<std::size_t>(++n)] =
          trim(line.substr(pos, d == std::string_view::npos ? d : d - pos));
      if (d == std::string_view::npos) break;
      pos = d + 1;
    }
    auto need = [&](int f, const char* what) {
      if (f > n) {
        throw TraceError(path, "line", line_no,
                         fmt::format("missing {} field {} (the line has {} "
                                     "field{})",
                                     what, f, n, n == 1 ? "" : "s"));
      }
      return fields[static_cast<std::size_t>(f)];
    };
    Request r{0, 1, -1};
    const std::string_view id = need(opt.id_field, "id");
    if (opt.id_is_string) {
      r.id = hash_string_id(id);
    } else if (!parse_u64(id, r.id)) {
      throw TraceError(path, "line", line_no,
                       fmt::format("id field {} = {} is not an unsigned 64-bit "
                                   "decimal integer",
                                   opt.id_field, quoted(id)));
    }
    if (opt.size_field > 0) {
      const std::string_view size = need(opt.size_field, "size");
      if (!parse_u64(size, r.size)) {
        throw TraceError(path, "line", line_no,
                         fmt::format("size field {} = {} is not an unsigned "
                                     "64-bit decimal integer",
                                     opt.size_field, quoted(size)));
      }
    }
    if (opt.time_field > 0) {
      const std::string_view time = need(opt.time_field, "time");
      if (!is_number(time)) {
        throw TraceError(path, "line", line_no,
                         fmt::format("time field {} = {} is not a number",
                                     opt.time_field, quoted(time)));
      }
    }
    trace.requests.push_back(r);
  });
  if (trace.requests.empty()) {
    throw TraceError(
        path, opt.header ? "no request after the header line" : "no request");
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

TraceError::TraceError(const std::string& path, std::string_view unit,
                       std::uint64_t index, const std::string& reason)
    : std::runtime_error(
          fmt::format("{}: {} {}: {}", path, unit, index, reason)),
      path_(path),
      index_(index) {}

TraceError::TraceError(const std::string& path, const std::string& reason)
    : std::runtime_error(fmt::format("{}: {}", path, reason)), path_(path) {}

std::optional<TraceFormat> trace_format_from_name(std::string_view name) {
  constexpr TraceFormat kAll[] = {TraceFormat::kOracleGeneral,
                                  TraceFormat::kVscsi, TraceFormat::kCsv,
                                  TraceFormat::kTxt};
  for (TraceFormat f : kAll) {
    if (iequals(name, trace_format_name(f))) return f;
  }
  return std::nullopt;
}

std::string_view trace_format_name(TraceFormat format) {
  switch (format) {
    case TraceFormat::kOracleGeneral:
      return "oraclegeneral";
    case TraceFormat::kVscsi:
      return "vscsi";
    case TraceFormat::kCsv:
      return "csv";
    case TraceFormat::kTxt:
      return "txt";
  }
  return "unknown";
}

std::uint64_t hash_string_id(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Trace read_trace(const std::string& path, TraceFormat format,
                 const CsvOptions& csv, bool with_next_access) {
  const FileView file(path);
  if (file.size() == 0) throw TraceError(path, "empty file");
  Trace trace;
  switch (format) {
    case TraceFormat::kOracleGeneral:
      if (read_oracle_general(path, file, trace, with_next_access)) {
        return trace;
      }
      break;
    case TraceFormat::kVscsi:
      read_vscsi(path, file, trace);
      break;
    case TraceFormat::kCsv:
      read_csv(path, file, csv, trace);
      break;
    case TraceFormat::kTxt:
      read_txt(path, file, trace);
      break;
  }
  if (with_next_access) compute_next_access(trace);
  return trace;
}

void compute_next_access(Trace& trace) {
  auto& reqs = trace.requests;
  absl::flat_hash_map<std::uint64_t, std::int64_t> next;
  for (std::size_t i = reqs.size(); i-- > 0;) {
    const auto it = next.try_emplace(reqs[i].id, -1).first;
    reqs[i].next_access = it->second;
    it->second = static_cast<std::int64_t>(i);
  }
  trace.has_next_access = true;
}

}  // namespace evictlab::sim
