// `--cache-sizes`: lists, binary suffixes, inclusive ranges, and every
// rejected form with the offending item named.
#include "evictlab/sim/cache_sizes.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace evictlab::sim {
namespace {

using Sizes = std::vector<std::uint64_t>;
constexpr std::uint64_t kKiB = std::uint64_t{1} << 10;
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
constexpr std::uint64_t kTiB = std::uint64_t{1} << 40;

// Expects std::invalid_argument whose message quotes `item` and holds `why`.
void expect_rejected(const std::string& text, const std::string& item,
                     const std::string& why) {
  try {
    const Sizes got = parse_cache_sizes(text);
    ADD_FAILURE() << "'" << text << "' was accepted (" << got.size()
                  << " sizes)";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'" + item + "'"), std::string::npos)
        << "item '" << item << "' not named in: " << what;
    EXPECT_NE(what.find(why), std::string::npos)
        << "'" << why << "' not in: " << what;
  }
}

TEST(ParseCacheSizesTest, PlainNumbersAndLists) {
  EXPECT_EQ(parse_cache_sizes("4096"), (Sizes{4096}));
  EXPECT_EQ(parse_cache_sizes("1"), (Sizes{1}));
  EXPECT_EQ(parse_cache_sizes("3,1,2,3"), (Sizes{3, 1, 2, 3}));  // as written
  EXPECT_EQ(parse_cache_sizes(" 10 , 20 "), (Sizes{10, 20}));
  EXPECT_EQ(parse_cache_sizes("18446744073709551615"), (Sizes{UINT64_MAX}));
}

TEST(ParseCacheSizesTest, BinarySuffixes) {
  EXPECT_EQ(parse_cache_sizes("1KiB,2MiB,3GiB,4TiB,5B"),
            (Sizes{kKiB, 2 * kMiB, 3 * kGiB, 4 * kTiB, 5}));
  EXPECT_EQ(parse_cache_sizes("128mib,128MIB,128 MiB"),
            (Sizes{128 * kMiB, 128 * kMiB, 128 * kMiB}));
  EXPECT_EQ(parse_cache_sizes("16777215TiB"), (Sizes{16777215 * kTiB}));
}

TEST(ParseCacheSizesTest, Ranges) {
  Sizes eight;
  for (std::uint64_t i = 1; i <= 8; ++i) eight.push_back(i * 128 * kMiB);
  EXPECT_EQ(parse_cache_sizes("128MiB:1GiB:128MiB"), eight);
  EXPECT_EQ(parse_cache_sizes("1:10:4"), (Sizes{1, 5, 9}));  // 10 not reached
  EXPECT_EQ(parse_cache_sizes("5:5:1"), (Sizes{5}));
  EXPECT_EQ(parse_cache_sizes("1KiB:3KiB:1KiB,100,1:2:1"),
            (Sizes{kKiB, 2 * kKiB, 3 * kKiB, 100, 1, 2}));
  // Near 2^64: no term overflows.
  EXPECT_EQ(parse_cache_sizes("18446744073709551614:18446744073709551615:5"),
            (Sizes{UINT64_MAX - 1}));
  EXPECT_EQ(parse_cache_sizes("1:18446744073709551615:18446744073709551614"),
            (Sizes{1, UINT64_MAX}));
}

TEST(ParseCacheSizesTest, RejectsZeroSignsAndFractions) {
  expect_rejected("0", "0", "must be positive");
  expect_rejected("1MiB,0KiB", "0KiB", "must be positive");
  expect_rejected("-1", "-1", "without a sign");
  expect_rejected("+5", "+5", "without a sign");
  expect_rejected("1.5GiB", "1.5GiB", "fractions");
  expect_rejected("abc", "abc", "not a number");
  expect_rejected("MiB", "MiB", "not a number");
}

TEST(ParseCacheSizesTest, RejectsOverflow) {
  expect_rejected("18446744073709551616", "18446744073709551616",
                  "exceeds 2^64-1");
  expect_rejected("16777216TiB", "16777216TiB", "exceeds 2^64-1");
  expect_rejected("1:20000000000000000000:1", "1:20000000000000000000:1",
                  "exceeds 2^64-1");
}

TEST(ParseCacheSizesTest, RejectsBadSuffixes) {
  expect_rejected("128MIb2", "128MIb2", "unknown suffix 'MIb2'");
  expect_rejected("128Mibs", "128Mibs", "unknown suffix");
  expect_rejected("128PiB", "128PiB", "unknown suffix");
  expect_rejected("1GB", "1GB", "ambiguous suffix 'GB'");
  expect_rejected("1gb", "1gb", "write GiB");
  expect_rejected("2M", "2M", "ambiguous suffix 'M'");
  expect_rejected("2KB", "2KB", "write KiB");
  expect_rejected("3TB", "3TB", "write TiB");
}

TEST(ParseCacheSizesTest, RejectsEmptyItems) {
  expect_rejected("", "", "no cache size");
  expect_rejected("  ", "  ", "no cache size");
  expect_rejected("1,,2", "1,,2", "empty item");
  expect_rejected("1,", "1,", "empty item");
  expect_rejected(",1", ",1", "empty item");
}

TEST(ParseCacheSizesTest, RejectsBadRanges) {
  expect_rejected("1MiB:2MiB:0", "1MiB:2MiB:0", "STEP must be positive");
  expect_rejected("2MiB:1MiB:1KiB", "2MiB:1MiB:1KiB", "START is greater");
  expect_rejected("1:2", "1:2", "three parts");
  expect_rejected("1:2:3:4", "1:2:3:4", "three parts");
  expect_rejected("1::3", "1::3", "empty STOP");
  expect_rejected("1:2:x", "1:2:x", "not a number");
  expect_rejected("1:1000000:1", "1:1000000:1", "more than 100000");
  // The cap counts the whole list.
  EXPECT_EQ(parse_cache_sizes("1:100000:1").size(), kMaxCacheSizes);
  expect_rejected("1:100000:1,7", "7", "more than 100000");
}

TEST(FormatBytesTest, LargestExactUnit) {
  EXPECT_EQ(format_bytes(128 * kMiB), "128MiB");
  EXPECT_EQ(format_bytes(kGiB), "1GiB");
  EXPECT_EQ(format_bytes(1536 * kKiB), "1536KiB");
  EXPECT_EQ(format_bytes(3 * kTiB), "3TiB");
  EXPECT_EQ(format_bytes(kTiB * 1024), "1024TiB");
  EXPECT_EQ(format_bytes(1000), "1000");
  EXPECT_EQ(format_bytes(1), "1");
  EXPECT_EQ(format_bytes(0), "0");
  EXPECT_EQ(format_bytes(UINT64_MAX), "18446744073709551615");
}

TEST(FormatBytesTest, RoundTripsThroughTheParser) {
  for (std::uint64_t b :
       {std::uint64_t{1}, std::uint64_t{1000}, kKiB, 3 * kKiB + 1, 640 * kMiB,
        7 * kGiB, 5 * kTiB, UINT64_MAX}) {
    EXPECT_EQ(parse_cache_sizes(format_bytes(b)), (Sizes{b})) << b;
  }
}

}  // namespace
}  // namespace evictlab::sim
