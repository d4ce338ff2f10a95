// Trace generators of `evictlab generate` and the oracleGeneral writer
// (SIM-SPEC section 2): a seeded Zipf trace, and a trace repeated K times.
// Both come out as libCacheSim's oracleGeneral, so the same file feeds
// `evictlab simulate` and libCacheSim's `cachesim` (Belady included).
//
// Determinism: a Zipf trace depends only on its ZipfParams. The generator is
// std::mt19937_64 (its output sequence is fixed by the C++ standard) and the
// uniform-to-double step is our own (`uniform_from_bits`), because
// std::uniform_real_distribution differs between standard libraries. The
// probability table is built from IEEE-754 additions and divisions only, so
// it is bit-identical on every conforming machine, except for alpha not in
// {0, 1}, where the weights k^-alpha come from std::pow: a libm whose pow
// differs in the last bit could move a sample only when a uniform falls within
// about 1e-16 of a bucket edge.
//
// Thread-safety: free functions are reentrant; a ZipfSampler is immutable
// after construction (concurrent sampling with separate engines is safe).
#ifndef EVICTLAB_SIM_GENERATE_H_
#define EVICTLAB_SIM_GENERATE_H_

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "evictlab/sim/trace.h"

namespace evictlab::sim {

// Upper bound of ZipfParams::objects: the sampler holds 8 bytes per object
// (plus a 4-byte-per-bucket guide, at most 2^24 buckets), so 2^28 objects is
// about 2 GiB.
inline constexpr std::uint64_t kMaxZipfObjects = std::uint64_t{1} << 28;
// Upper bound of a written trace's length and of an object size: the
// oracleGeneral `time` (the 1-based request index, see write_oracle_general)
// and `obj_size` fields are uint32.
inline constexpr std::uint64_t kMaxOracleGeneralRequests = 0xFFFFFFFFu;
inline constexpr std::uint64_t kMaxOracleGeneralObjSize = 0xFFFFFFFFu;

// The double in [0, 1) made of the top 53 bits of `bits`: (bits >> 11) *
// 2^-53, exact. Every one of the 2^53 values is equally likely for a uniform
// `bits`. O(1).
double uniform_from_bits(std::uint64_t bits);

// The object id of Zipf rank `rank` (1 = most popular): MurmurHash3's 64-bit
// finalizer (fmix64), a fixed bijection of uint64, so distinct ranks get
// distinct ids and popular ids are not small consecutive integers. It does
// not depend on the seed: rank r has the same id in every Zipf trace.
// fmix64(0) == 0, so no rank >= 1 maps to id 0. O(1).
std::uint64_t zipf_object_id(std::uint64_t rank);

// Exact inverse-CDF sampling of Zipf(alpha) over ranks 1..N:
// P(rank = k) = k^-alpha / sum_{j=1..N} j^-alpha.
//
// Method: a table of the normalised cumulative probabilities (partial sums in
// double with Neumaier compensation, each divided by the total, the last set
// to 1.0, made non-decreasing); a 53-bit uniform u picks the smallest k whose
// cumulative probability exceeds u. The search is a binary search within one
// bucket of a guide table (Chen and Asau's "index table": 2^b buckets of u,
// each storing the first candidate rank), which finds exactly the rank a full
// binary search would, in O(1) expected steps for Zipf. Each rank's
// probability is thus its pmf up to the rounding of the table (about 1e-16
// absolute), not an approximation of the distribution.
//
// Construction: O(N) time, 8 bytes per object plus 4 bytes per guide bucket
// (2^ceil(log2 N) buckets, at most 2^24).
class ZipfSampler {
 public:
  // Throws std::invalid_argument naming "objects" (outside [1,
  // kMaxZipfObjects]) or "alpha" (negative, NaN or infinite).
  ZipfSampler(std::uint64_t objects, double alpha);

  // The rank (1-based) for the uniform uniform_from_bits(bits). Monotone in
  // bits: bits 0 gives rank 1, all ones gives the last rank of non-zero
  // probability. O(1) expected.
  std::uint64_t rank_for_bits(std::uint64_t bits) const;
  // One draw: rank_for_bits(engine()).
  std::uint64_t operator()(std::mt19937_64& engine) const {
    return rank_for_bits(engine());
  }

  // The probability the sampler gives `rank` (from its table), 0 outside
  // [1, objects()]. O(1).
  double probability(std::uint64_t rank) const;
  std::uint64_t objects() const { return cdf_.size(); }
  double alpha() const { return alpha_; }

 private:
  double alpha_;
  std::vector<double> cdf_;           // cdf_[k-1] = P(rank <= k)
  std::vector<std::uint32_t> guide_;  // 2^guide_bits_ + 1 entries
  int guide_bits_ = 0;
};

struct ZipfParams {
  std::uint64_t objects = 0;   // N, in [1, kMaxZipfObjects]
  std::uint64_t requests = 0;  // M, in [1, kMaxOracleGeneralRequests]
  double alpha = 1.0;          // >= 0 and finite (0: uniform)
  std::uint64_t obj_size = 0;  // bytes, in [1, kMaxOracleGeneralObjSize]
  std::uint64_t seed = 0;      // seeds std::mt19937_64 directly
};

// M requests; request i draws rank ZipfSampler(N, alpha)(engine) with
// std::mt19937_64 engine(seed), one engine call per request, and has id
// zipf_object_id(rank) and size obj_size; next_access is set
// (compute_next_access). Throws std::invalid_argument naming the field
// ("objects", "requests", "alpha", "obj_size"). O(N + M) time; memory: the
// sampler plus 24 bytes per request plus the next-access pass's hash map.
Trace generate_zipf(const ZipfParams& params);

// `trace` repeated `times` times: request j of the result is request j mod n
// of `trace`, and next_access is recomputed over the whole result (the last
// request of an id in one copy points at its first request in the next
// copy). Throws std::invalid_argument naming "times" when it is 0, or when
// the result would exceed kMaxOracleGeneralRequests requests.
// REQUIRES: trace.requests[i].next_access as compute_next_access sets it.
// O(n * times) time and 24 bytes per result request, plus a hash map of
// `trace`'s distinct ids.
Trace repeat_trace(const Trace& trace, std::uint64_t times);

// A trace file that cannot be written. what() is "<path>: <reason>".
class TraceWriteError : public std::runtime_error {
 public:
  TraceWriteError(const std::string& path, const std::string& reason);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

// Writes `trace` to `path` (created or truncated) as oracleGeneral: record i
// (0-based) is {time = i + 1, obj_id, obj_size, next_access}, little-endian,
// packed at offsets 0, 4, 12, 16, where next_access is the 1-based index of
// the next request for the same object (Request::next_access + 1), or -1.
// That is what libCacheSim's traceConv writes (and the shipped
// cloudPhysicsIO.oracleGeneral.bin holds); its reader maps -1 to "never" and
// its Belady compares the values, so the next access of every record equals
// the time of the record it points at. Timestamps are not kept by Trace, hence
// the request index as time.
//
// Buffered (1 MiB writes). Throws std::invalid_argument (nothing written)
// when the trace is empty or longer than kMaxOracleGeneralRequests, when a
// size is 0 (readers skip such records, which would shift every index) or
// above kMaxOracleGeneralObjSize, or when a next_access is not -1 or a later
// index holding the same id; TraceWriteError when the file cannot be opened,
// written or closed (a partially written regular file is then removed).
// O(n) time, O(1) extra memory.
void write_oracle_general(const Trace& trace, const std::string& path);

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_GENERATE_H_
