#include "evictlab/sim/generate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "fmt/format.h"

namespace evictlab::sim {

namespace {

constexpr std::size_t kRecordSize = 24;
constexpr int kMaxGuideBits = 24;

// Appends `v` little-endian, whatever the host's byte order.
template <typename T>
char* put_le(char* p, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    p[i] = static_cast<char>(static_cast<std::uint64_t>(v) >> (8 * i));
  }
  return p + sizeof(T);
}

// A file opened for writing, with a 1 MiB buffer. Any failure throws
// TraceWriteError; a destructor that runs before commit() (an exception on
// the way) closes the file and removes it when it is a regular file, so no
// truncated trace is left behind.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw TraceWriteError(path, fmt::format("cannot open for writing: {}",
                                              std::strerror(errno)));
    }
    struct stat st {};
    regular_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
    buffer_.resize(std::size_t{1} << 20);
  }
  ~OutputFile() {
    if (fd_ < 0) return;
    ::close(fd_);
    if (regular_) ::unlink(path_.c_str());
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Room for one record; flushes first when the buffer is full.
  char* record() {
    if (used_ + kRecordSize > buffer_.size()) flush();
    char* p = buffer_.data() + used_;
    used_ += kRecordSize;
    return p;
  }

  // Flushes and closes; after it the file stays.
  void commit() {
    flush();
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      const int err = errno;
      if (regular_) ::unlink(path_.c_str());
      throw TraceWriteError(
          path_, fmt::format("cannot close: {}", std::strerror(err)));
    }
  }

 private:
  void flush() {
    const char* p = buffer_.data();
    std::size_t left = used_;
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw TraceWriteError(
            path_, fmt::format("cannot write: {}", std::strerror(errno)));
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    used_ = 0;
  }

  std::string path_;
  int fd_ = -1;
  bool regular_ = false;
  std::vector<char> buffer_;
  std::size_t used_ = 0;
};

}  // namespace

double uniform_from_bits(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

std::uint64_t zipf_object_id(std::uint64_t rank) {
  // MurmurHash3 fmix64: each step (xor with a right shift, multiplication by
  // an odd constant) is invertible modulo 2^64.
  std::uint64_t k = rank;
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

ZipfSampler::ZipfSampler(std::uint64_t objects, double alpha) : alpha_(alpha) {
  if (objects < 1 || objects > kMaxZipfObjects) {
    throw std::invalid_argument(fmt::format("objects: {} is outside [1, {}]",
                                            objects, kMaxZipfObjects));
  }
  if (!(alpha >= 0.0) || !std::isfinite(alpha)) {
    throw std::invalid_argument(
        fmt::format("alpha: {} is not a finite number >= 0", alpha));
  }
  cdf_.resize(objects);
  // Partial sums of k^-alpha with Neumaier's compensation: `sum + comp` is
  // the partial sum to about one rounding, where plain summation of 10^6
  // terms drifts by ~1e-10.
  double sum = 0.0;
  double comp = 0.0;
  for (std::uint64_t k = 1; k <= objects; ++k) {
    const double kd = static_cast<double>(k);
    // alpha 1 (the common case) and 0 avoid libm: IEEE division is exact to
    // the last bit everywhere (see the header's determinism note).
    const double w = alpha == 1.0   ? 1.0 / kd
                     : alpha == 0.0 ? 1.0
                                    : std::pow(kd, -alpha);
    const double t = sum + w;
    if (std::fabs(sum) >= std::fabs(w)) {
      comp += (sum - t) + w;
    } else {
      comp += (w - t) + sum;
    }
    sum = t;
    cdf_[k - 1] = sum + comp;
  }
  const double total = cdf_.back();
  double prev = 0.0;
  for (double& c : cdf_) {
    c = std::min(1.0, std::max(prev, c / total));
    prev = c;
  }
  cdf_.back() = 1.0;

  // Guide table: bucket j covers u in [j 2^-b, (j+1) 2^-b) and holds the
  // smallest rank index whose cumulative probability exceeds j 2^-b (the
  // thresholds are exact doubles). The answer for any u in bucket j lies in
  // [guide_[j], guide_[j+1]].
  guide_bits_ = 0;
  while (guide_bits_ < kMaxGuideBits &&
         (std::uint64_t{1} << guide_bits_) < objects) {
    ++guide_bits_;
  }
  const std::uint64_t buckets = std::uint64_t{1} << guide_bits_;
  guide_.resize(buckets + 1);
  std::uint64_t k = 0;
  for (std::uint64_t j = 0; j <= buckets; ++j) {
    const double threshold = std::ldexp(static_cast<double>(j), -guide_bits_);
    while (k + 1 < objects && cdf_[k] <= threshold) ++k;
    guide_[j] = static_cast<std::uint32_t>(k);
  }
}

std::uint64_t ZipfSampler::rank_for_bits(std::uint64_t bits) const {
  const double u = uniform_from_bits(bits);
  const std::uint64_t j = (bits >> 11) >> (53 - guide_bits_);
  const auto first = cdf_.begin() + guide_[j];
  const auto last = cdf_.begin() + guide_[j + 1] + 1;
  return static_cast<std::uint64_t>(std::upper_bound(first, last, u) -
                                    cdf_.begin()) +
         1;
}

double ZipfSampler::probability(std::uint64_t rank) const {
  if (rank < 1 || rank > cdf_.size()) return 0.0;
  return rank == 1 ? cdf_[0] : cdf_[rank - 1] - cdf_[rank - 2];
}

Trace generate_zipf(const ZipfParams& params) {
  if (params.requests < 1 || params.requests > kMaxOracleGeneralRequests) {
    throw std::invalid_argument(fmt::format("requests: {} is outside [1, {}]",
                                            params.requests,
                                            kMaxOracleGeneralRequests));
  }
  if (params.obj_size < 1 || params.obj_size > kMaxOracleGeneralObjSize) {
    throw std::invalid_argument(fmt::format("obj_size: {} is outside [1, {}]",
                                            params.obj_size,
                                            kMaxOracleGeneralObjSize));
  }
  const ZipfSampler sampler(params.objects, params.alpha);
  std::mt19937_64 engine(params.seed);
  Trace trace;
  trace.requests.resize(params.requests);
  for (Request& r : trace.requests) {
    r.id = zipf_object_id(sampler(engine));
    r.size = params.obj_size;
  }
  compute_next_access(trace);
  return trace;
}

Trace repeat_trace(const Trace& trace, std::uint64_t times) {
  const std::uint64_t n = trace.requests.size();
  if (times < 1) {
    throw std::invalid_argument("times: must be at least 1");
  }
  if (n > 0 && times > kMaxOracleGeneralRequests / n) {
    throw std::invalid_argument(fmt::format(
        "times: {} copies of {} requests exceed the oracleGeneral limit of {} "
        "requests",
        times, n, kMaxOracleGeneralRequests));
  }
  // The first request of each id: where an id's chain continues in the next
  // copy.
  absl::flat_hash_map<std::uint64_t, std::int64_t> first;
  for (std::uint64_t i = 0; i < n; ++i) {
    first.try_emplace(trace.requests[i].id, static_cast<std::int64_t>(i));
  }
  Trace out;
  out.requests.resize(n * times);
  for (std::uint64_t c = 0; c < times; ++c) {
    const auto base = static_cast<std::int64_t>(c * n);
    for (std::uint64_t i = 0; i < n; ++i) {
      const Request& in = trace.requests[i];
      Request& r = out.requests[c * n + i];
      r.id = in.id;
      r.size = in.size;
      if (in.next_access >= 0) {
        r.next_access = base + in.next_access;
      } else if (c + 1 < times) {
        r.next_access =
            base + static_cast<std::int64_t>(n) + first.find(in.id)->second;
      } else {
        r.next_access = -1;
      }
    }
  }
  return out;
}

TraceWriteError::TraceWriteError(const std::string& path,
                                 const std::string& reason)
    : std::runtime_error(fmt::format("{}: {}", path, reason)), path_(path) {}

void write_oracle_general(const Trace& trace, const std::string& path) {
  const auto& reqs = trace.requests;
  if (reqs.empty()) {
    throw std::invalid_argument(
        fmt::format("{}: an empty trace (oracleGeneral readers reject empty "
                    "files)",
                    path));
  }
  if (reqs.size() > kMaxOracleGeneralRequests) {
    throw std::invalid_argument(
        fmt::format("{}: {} requests exceed the oracleGeneral limit of {}",
                    path, reqs.size(), kMaxOracleGeneralRequests));
  }
  // Checked before the file is touched, so a bad trace leaves no file.
  const auto n = static_cast<std::int64_t>(reqs.size());
  for (std::int64_t i = 0; i < n; ++i) {
    const Request& r = reqs[static_cast<std::size_t>(i)];
    if (r.size < 1 || r.size > kMaxOracleGeneralObjSize) {
      throw std::invalid_argument(
          fmt::format("{}: request {}: size {} is outside [1, {}]", path, i,
                      r.size, kMaxOracleGeneralObjSize));
    }
    if (r.next_access != -1 &&
        (r.next_access <= i || r.next_access >= n ||
         reqs[static_cast<std::size_t>(r.next_access)].id != r.id)) {
      throw std::invalid_argument(fmt::format(
          "{}: request {}: next_access {} is not -1 or a later request of "
          "the same id",
          path, i, r.next_access));
    }
  }
  OutputFile out(path);
  for (std::int64_t i = 0; i < n; ++i) {
    const Request& r = reqs[static_cast<std::size_t>(i)];
    char* p = out.record();
    p = put_le(p, static_cast<std::uint32_t>(i + 1));
    p = put_le(p, r.id);
    p = put_le(p, static_cast<std::uint32_t>(r.size));
    put_le(p, r.next_access < 0 ? std::int64_t{-1} : r.next_access + 1);
  }
  out.commit();
}

}  // namespace evictlab::sim
