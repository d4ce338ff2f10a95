// `evictlab generate`'s library (sim/generate.h): the Zipf sampler against
// the exact pmf, determinism for a seed, the oracleGeneral record layout byte
// for byte, next_access against a brute-force scan, repeat, the round trip
// through read_trace, and the errors.
#include "evictlab/sim/generate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "evictlab/sim/trace.h"

namespace evictlab::sim {
namespace {

namespace fs = std::filesystem;

const std::string kOracle = EVICTLAB_SOURCE_DIR
    "/../shared/traces/libcachesim/cloudPhysicsIO.oracleGeneral.bin";

// The exact Zipf pmf, summed in long double independently of the sampler.
std::vector<double> zipf_pmf(std::uint64_t n, double alpha) {
  std::vector<long double> w(n);
  long double total = 0;
  for (std::uint64_t k = 1; k <= n; ++k) {
    w[k - 1] = alpha == 1.0 ? 1.0L / k
                            : std::pow(static_cast<long double>(k),
                                       -static_cast<long double>(alpha));
    total += w[k - 1];
  }
  std::vector<double> p(n);
  for (std::uint64_t k = 0; k < n; ++k) {
    p[k] = static_cast<double>(w[k] / total);
  }
  return p;
}

// The inverse of fmix64 (odd multipliers are invertible modulo 2^64; Newton's
// iteration x = x (2 - a x) doubles the correct low bits each step).
std::uint64_t inverse_of_odd(std::uint64_t a) {
  std::uint64_t x = a;  // correct to 3 bits for odd a
  for (int i = 0; i < 5; ++i) x *= 2 - a * x;
  return x;
}
std::uint64_t unmix(std::uint64_t k) {
  k ^= k >> 33;
  k *= inverse_of_odd(0xc4ceb9fe1a85ec53ULL);
  k ^= k >> 33;
  k *= inverse_of_odd(0xff51afd7ed558ccdULL);
  k ^= k >> 33;
  return k;
}

std::vector<std::uint64_t> ranks_of(const Trace& t) {
  std::vector<std::uint64_t> ranks;
  for (const Request& r : t.requests) ranks.push_back(unmix(r.id));
  return ranks;
}

// next_access by definition: the first later index with the same id.
std::vector<std::int64_t> brute_next(const Trace& t) {
  const auto& r = t.requests;
  std::vector<std::int64_t> next(r.size(), -1);
  for (std::size_t i = 0; i < r.size(); ++i) {
    for (std::size_t j = i + 1; j < r.size(); ++j) {
      if (r[j].id == r[i].id) {
        next[i] = static_cast<std::int64_t>(j);
        break;
      }
    }
  }
  return next;
}

std::vector<std::int64_t> next_of(const Trace& t) {
  std::vector<std::int64_t> next;
  for (const Request& r : t.requests) next.push_back(r.next_access);
  return next;
}

Trace trace_of(
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& id_size) {
  Trace t;
  for (const auto& [id, size] : id_size) t.requests.push_back({id, size, -1});
  compute_next_access(t);
  return t;
}

ZipfParams zipf(std::uint64_t objects, std::uint64_t requests, double alpha,
                std::uint64_t seed) {
  ZipfParams p;
  p.objects = objects;
  p.requests = requests;
  p.alpha = alpha;
  p.obj_size = 4096;
  p.seed = seed;
  return p;
}

TEST(UniformFromBits, TakesTheTop53BitsExactly) {
  EXPECT_EQ(uniform_from_bits(0), 0.0);
  EXPECT_EQ(uniform_from_bits(std::uint64_t{1} << 11), 0x1.0p-53);
  EXPECT_EQ(uniform_from_bits(0x7FF), 0.0);  // the low 11 bits are dropped
  EXPECT_EQ(uniform_from_bits(~std::uint64_t{0}), 1.0 - 0x1.0p-53);
  EXPECT_EQ(uniform_from_bits(std::uint64_t{1} << 63), 0.5);
}

TEST(Mt19937_64, IsTheStandardsEngine) {
  // [rand.predef]: the 10000th invocation of a default-constructed
  // mt19937_64 produces 9981545732273789042. Seeds are portable only because
  // of this.
  std::mt19937_64 e;
  e.discard(9999);
  EXPECT_EQ(e(), 9981545732273789042ULL);
}

TEST(ZipfObjectId, IsABijectionThatScramblesRanks) {
  EXPECT_EQ(zipf_object_id(0), 0u);
  for (std::uint64_t r = 1; r <= 100000; ++r) {
    ASSERT_EQ(unmix(zipf_object_id(r)), r);
  }
  std::mt19937_64 e(7);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t r = e();
    ASSERT_EQ(unmix(zipf_object_id(r)), r);
  }
  // Popular ids are not small integers.
  for (std::uint64_t r = 1; r <= 100; ++r) {
    EXPECT_GT(zipf_object_id(r), std::uint64_t{1} << 32) << r;
  }
}

TEST(ZipfSampler, TableProbabilitiesAreThePmf) {
  for (const double alpha : {0.0, 0.7, 1.0, 1.3}) {
    const std::uint64_t n = 1000000;
    const ZipfSampler s(n, alpha);
    const std::vector<double> p = zipf_pmf(n, alpha);
    double sum = 0;
    for (std::uint64_t k = 1; k <= n; ++k) {
      const double got = s.probability(k);
      sum += got;
      // Relative error: the table's differences lose ~1e-16 absolute, which
      // is relatively largest in the tail.
      ASSERT_NEAR(got, p[k - 1], 1e-15 + 1e-9 * p[k - 1])
          << "alpha " << alpha << " rank " << k;
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_EQ(s.probability(0), 0.0);
    EXPECT_EQ(s.probability(n + 1), 0.0);
  }
}

TEST(ZipfSampler, InvertsTheCdfAtBucketEdges) {
  // N = 3, alpha 1: P = 6/11, 3/11, 2/11; cumulative 6/11, 9/11, 1.
  const ZipfSampler s(3, 1.0);
  auto bits_for = [](double u) {
    return static_cast<std::uint64_t>(std::ldexp(u, 53)) << 11;
  };
  EXPECT_EQ(s.rank_for_bits(0), 1u);
  EXPECT_EQ(s.rank_for_bits(~std::uint64_t{0}), 3u);
  EXPECT_EQ(s.rank_for_bits(bits_for(6.0 / 11) - (1u << 11)), 1u);
  EXPECT_EQ(s.rank_for_bits(bits_for(6.0 / 11) + (1u << 11)), 2u);
  EXPECT_EQ(s.rank_for_bits(bits_for(9.0 / 11) - (1u << 11)), 2u);
  EXPECT_EQ(s.rank_for_bits(bits_for(9.0 / 11) + (1u << 11)), 3u);
  // One object: always rank 1.
  const ZipfSampler one(1, 1.0);
  EXPECT_EQ(one.rank_for_bits(0), 1u);
  EXPECT_EQ(one.rank_for_bits(~std::uint64_t{0}), 1u);
}

TEST(ZipfSampler, GuidedSearchEqualsAFullBinarySearch) {
  // The guide has 2^ceil(log2 N) buckets, capped at 2^24: sizes around powers
  // of two and one above the cap. The reference is a full binary search over
  // an independently summed CDF; near one of its edges (within 1e-12) the
  // two tables may round differently, so those draws are not compared.
  for (const std::uint64_t n :
       {2ull, 5ull, 1000ull, 1024ull, 1025ull, (1ull << 24) + 3}) {
    const double alpha = n < 1000000 ? 0.9 : 1.0;  // 1.0: a fast reference
    const ZipfSampler s(n, alpha);
    const std::vector<double> p = zipf_pmf(n, alpha);
    std::vector<double> cdf(n);
    long double acc = 0;
    for (std::uint64_t k = 0; k < n; ++k) {
      acc += p[k];
      cdf[k] = static_cast<double>(acc);
    }
    std::mt19937_64 e(n);
    std::vector<std::uint64_t> bits(20000);
    for (std::uint64_t& b : bits) b = e();
    std::sort(bits.begin(), bits.end());
    std::uint64_t prev = 1;
    std::size_t compared = 0;
    for (const std::uint64_t b : bits) {
      const std::uint64_t got = s.rank_for_bits(b);
      ASSERT_GE(got, prev) << "n " << n << ": not monotone";
      prev = got;
      const double u = uniform_from_bits(b);
      const auto k = static_cast<std::uint64_t>(
          std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
      const std::uint64_t want = std::min(k + 1, n);
      const bool near_edge =
          std::fabs(cdf[want - 1] - u) < 1e-12 ||
          (want >= 2 && std::fabs(cdf[want - 2] - u) < 1e-12);
      if (near_edge) continue;
      ++compared;
      ASSERT_EQ(got, want) << "n " << n << " u " << u;
    }
    EXPECT_GT(compared, bits.size() * 9 / 10) << "n " << n;
  }
}

TEST(GenerateZipf, FrequenciesMatchThePmf) {
  // 2e6 draws over 1000 objects: a chi-square over all ranks and a 5-sigma
  // bound on each of the 20 most popular. Fixed seeds, so the result is the
  // same everywhere; a sampler off by one rank, or using the wrong exponent,
  // fails both by far.
  for (const double alpha : {0.8, 1.0, 1.2}) {
    const std::uint64_t n = 1000, m = 2000000;
    const Trace t = generate_zipf(zipf(n, m, alpha, 42));
    ASSERT_EQ(t.requests.size(), m);
    std::vector<std::uint64_t> count(n + 1);
    for (const std::uint64_t r : ranks_of(t)) {
      ASSERT_GE(r, 1u);
      ASSERT_LE(r, n);
      ++count[r];
    }
    const std::vector<double> p = zipf_pmf(n, alpha);
    double chi2 = 0;
    for (std::uint64_t k = 1; k <= n; ++k) {
      const double expected = p[k - 1] * m;
      const double d = count[k] - expected;
      chi2 += d * d / expected;
      if (k <= 20) {
        EXPECT_LT(std::fabs(d), 5 * std::sqrt(expected))
            << "alpha " << alpha << " rank " << k << ": " << count[k] << " vs "
            << expected;
      }
    }
    // 999 degrees of freedom: mean 999, sd 44.7; this is mean + 5 sd.
    EXPECT_LT(chi2, 999 + 5 * 44.7) << "alpha " << alpha;
  }
}

TEST(GenerateZipf, IsDeterministicForASeed) {
  const Trace a = generate_zipf(zipf(1000000, 100000, 1.0, 1));
  const Trace b = generate_zipf(zipf(1000000, 100000, 1.0, 1));
  const Trace c = generate_zipf(zipf(1000000, 100000, 1.0, 2));
  ASSERT_EQ(a.requests.size(), 100000u);
  std::size_t same_ab = 0, same_ac = 0;
  for (std::size_t i = 0; i < a.requests.size(); ++i) {
    same_ab += a.requests[i].id == b.requests[i].id;
    same_ac += a.requests[i].id == c.requests[i].id;
  }
  EXPECT_EQ(same_ab, a.requests.size());
  EXPECT_LT(same_ac, a.requests.size() / 5);  // only popular ranks collide
  // The first ranks of the trace (seed 1, 10^6 objects, alpha 1):
  // mt19937_64 and uniform_from_bits are exact, and alpha 1 builds the table
  // from IEEE divisions, so every machine must draw these. A separate
  // long-double inverse CDF with a plain binary search draws the same.
  const std::vector<std::uint64_t> ranks = ranks_of(a);
  const std::vector<std::uint64_t> first(ranks.begin(), ranks.begin() + 10);
  EXPECT_EQ(first, (std::vector<std::uint64_t>{4, 4, 371, 1, 88, 279208, 492, 2,
                                               2048, 5247}));
}

TEST(GenerateZipf, SetsSizeAndNextAccess) {
  const Trace t = generate_zipf(zipf(50, 3000, 1.0, 9));
  for (const Request& r : t.requests) EXPECT_EQ(r.size, 4096u);
  EXPECT_EQ(next_of(t), brute_next(t));
}

TEST(GenerateZipf, RejectsBadParametersByName) {
  auto expect_bad = [](ZipfParams p, const std::string& field) {
    try {
      generate_zipf(p);
      ADD_FAILURE() << field << ": no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind(field + ":", 0), 0u) << e.what();
    }
  };
  const ZipfParams ok = zipf(10, 10, 1.0, 1);
  ZipfParams p = ok;
  p.objects = 0;
  expect_bad(p, "objects");
  p.objects = kMaxZipfObjects + 1;
  expect_bad(p, "objects");
  p = ok;
  p.requests = 0;
  expect_bad(p, "requests");
  p.requests = kMaxOracleGeneralRequests + 1;
  expect_bad(p, "requests");
  p = ok;
  p.alpha = -0.5;
  expect_bad(p, "alpha");
  p.alpha = std::numeric_limits<double>::quiet_NaN();
  expect_bad(p, "alpha");
  p.alpha = std::numeric_limits<double>::infinity();
  expect_bad(p, "alpha");
  p = ok;
  p.obj_size = 0;
  expect_bad(p, "obj_size");
  p.obj_size = kMaxOracleGeneralObjSize + 1;
  expect_bad(p, "obj_size");
}

TEST(RepeatTrace, RepeatsAndChainsNextAccessAcrossCopies) {
  const Trace t = trace_of({{1, 10}, {2, 20}, {1, 30}});
  const Trace r = repeat_trace(t, 3);
  ASSERT_EQ(r.requests.size(), 9u);
  for (std::size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(r.requests[i].id, t.requests[i % 3].id);
    EXPECT_EQ(r.requests[i].size, t.requests[i % 3].size);
  }
  EXPECT_EQ(next_of(r),
            (std::vector<std::int64_t>{2, 4, 3, 5, 7, 6, 8, -1, -1}));
  EXPECT_EQ(next_of(repeat_trace(t, 1)), next_of(t));
  EXPECT_THROW(repeat_trace(t, 0), std::invalid_argument);
}

TEST(RepeatTrace, EqualsTheNextAccessPassOnTheShippedTrace) {
  const Trace t = read_trace(kOracle, TraceFormat::kOracleGeneral);
  const Trace r = repeat_trace(t, 3);
  Trace expected;
  for (int c = 0; c < 3; ++c) {
    expected.requests.insert(expected.requests.end(), t.requests.begin(),
                             t.requests.end());
  }
  compute_next_access(expected);
  ASSERT_EQ(r.requests.size(), 3 * t.requests.size());
  EXPECT_EQ(next_of(r), next_of(expected));
}

// Files written by a test, removed when the fixture ends.
class WriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("evictlab_generate_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const {
    return (dir_ / name).string();
  }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  fs::path dir_;
};

// Little-endian bytes, written out by hand.
std::string le(std::uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

TEST_F(WriteTest, RecordLayoutIsByteExact) {
  const Trace t = trace_of({{0x0102030405060708ULL, 100},
                            {9, 0xFFFFFFFFu},
                            {0x0102030405060708ULL, 300}});
  write_oracle_general(t, path("t.bin"));
  const std::string expected =
      le(1, 4) + le(0x0102030405060708ULL, 8) + le(100, 4) + le(3, 8) +  //
      le(2, 4) + le(9, 8) + le(0xFFFFFFFFu, 4) + le(~0ULL, 8) +          //
      le(3, 4) + le(0x0102030405060708ULL, 8) + le(300, 4) + le(~0ULL, 8);
  EXPECT_EQ(slurp(path("t.bin")), expected);
}

TEST_F(WriteTest, RoundTripsThroughReadTrace) {
  // More than one 1 MiB buffer of records.
  const Trace t = generate_zipf(zipf(10000, 100000, 1.0, 3));
  write_oracle_general(t, path("z.oracleGeneral.bin"));
  const Trace back =
      read_trace(path("z.oracleGeneral.bin"), TraceFormat::kOracleGeneral);
  ASSERT_EQ(back.requests.size(), t.requests.size());
  for (std::size_t i = 0; i < t.requests.size(); ++i) {
    ASSERT_EQ(back.requests[i].id, t.requests[i].id) << i;
    ASSERT_EQ(back.requests[i].size, t.requests[i].size) << i;
    ASSERT_EQ(back.requests[i].next_access, t.requests[i].next_access) << i;
  }
  // The file's own fields: time = i + 1, next_access 1-based or -1.
  const std::string bytes = slurp(path("z.oracleGeneral.bin"));
  ASSERT_EQ(bytes.size(), 24 * t.requests.size());
  for (std::size_t i = 0; i < t.requests.size(); ++i) {
    std::uint32_t time;
    std::int64_t next;
    std::memcpy(&time, bytes.data() + 24 * i, 4);
    std::memcpy(&next, bytes.data() + 24 * i + 16, 8);
    ASSERT_EQ(time, i + 1);
    const std::int64_t want = t.requests[i].next_access;
    ASSERT_EQ(next, want < 0 ? -1 : want + 1) << i;
  }
}

TEST_F(WriteTest, RepeatOfTheShippedTraceRoundTrips) {
  const Trace t = read_trace(kOracle, TraceFormat::kOracleGeneral);
  write_oracle_general(repeat_trace(t, 2), path("x2.bin"));
  const Trace back = read_trace(path("x2.bin"), TraceFormat::kOracleGeneral);
  ASSERT_EQ(back.requests.size(), 2 * t.requests.size());
  for (std::size_t i = 0; i < back.requests.size(); ++i) {
    ASSERT_EQ(back.requests[i].id, t.requests[i % t.requests.size()].id);
  }
  // The shipped file itself is in the same convention: rewriting it gives
  // its bytes back except the time field.
  write_oracle_general(t, path("x1.bin"));
  const std::string ours = slurp(path("x1.bin"));
  const std::string shipped = slurp(kOracle);
  ASSERT_EQ(ours.size(), shipped.size());
  for (std::size_t i = 0; i < ours.size(); i += 24) {
    ASSERT_EQ(ours.compare(i + 4, 20, shipped, i + 4, 20), 0)
        << "record " << i / 24;
  }
}

TEST_F(WriteTest, IoErrorsNameTheFile) {
  const std::string missing = path("no_such_dir/t.bin");
  try {
    write_oracle_general(trace_of({{1, 1}}), missing);
    ADD_FAILURE() << "no error";
  } catch (const TraceWriteError& e) {
    EXPECT_EQ(e.path(), missing);
    EXPECT_NE(std::string(e.what()).find(missing + ": cannot open"),
              std::string::npos)
        << e.what();
  }
  if (fs::exists("/dev/full")) {
    try {
      write_oracle_general(trace_of({{1, 1}}), "/dev/full");
      ADD_FAILURE() << "no error";
    } catch (const TraceWriteError& e) {
      EXPECT_NE(std::string(e.what()).find("/dev/full: cannot write"),
                std::string::npos)
          << e.what();
    }
    EXPECT_TRUE(fs::exists("/dev/full"));  // a device is never removed
  }
}

TEST_F(WriteTest, RejectsTracesTheFormatCannotHoldBeforeWriting) {
  auto expect_bad = [&](const Trace& t, const std::string& part) {
    const std::string p = path("bad.bin");
    try {
      write_oracle_general(t, p);
      ADD_FAILURE() << part << ": no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << e.what();
    }
    EXPECT_FALSE(fs::exists(p)) << part;
  };
  expect_bad(Trace{}, "empty");
  expect_bad(trace_of({{1, 0}}), "size 0");
  expect_bad(trace_of({{1, 0x100000000ULL}}), "size 4294967296");
  Trace wrong = trace_of({{1, 1}, {2, 1}, {1, 1}});
  wrong.requests[0].next_access = 1;  // id 2, not id 1
  expect_bad(wrong, "request 0: next_access 1");
  wrong.requests[0].next_access = 0;  // itself
  expect_bad(wrong, "request 0: next_access 0");
  wrong.requests[0].next_access = 3;  // past the end
  expect_bad(wrong, "request 0: next_access 3");
  wrong.requests[0].next_access = -2;
  expect_bad(wrong, "request 0: next_access -2");
}

}  // namespace
}  // namespace evictlab::sim
