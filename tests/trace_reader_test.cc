// The simulator's trace readers (SIM-SPEC section 2): the four shipped
// cloudPhysics files decode to the same request stream, and every kind of
// malformed input is rejected with the file and the record or line named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "evictlab/sim/trace.h"

namespace evictlab::sim {
namespace {

namespace fs = std::filesystem;

const std::string kDir = EVICTLAB_SOURCE_DIR "/../shared/traces/libcachesim/";
const std::string kOracle = kDir + "cloudPhysicsIO.oracleGeneral.bin";
const std::string kVscsi = kDir + "cloudPhysicsIO.vscsi";
const std::string kCsv = kDir + "cloudPhysicsIO.csv";
const std::string kTxt = kDir + "cloudPhysicsIO.txt";
constexpr std::size_t kShippedRequests = 113872;

CsvOptions cloudphysics_csv() {
  CsvOptions o;
  o.header = true;
  o.time_field = 2;
  o.size_field = 4;
  o.id_field = 5;
  return o;
}

std::vector<std::uint64_t> ids_of(const Trace& t) {
  std::vector<std::uint64_t> ids;
  for (const Request& r : t.requests) ids.push_back(r.id);
  return ids;
}

// Index of the first element where a and b differ (or the shorter size).
std::size_t first_difference(const std::vector<std::uint64_t>& a,
                             const std::vector<std::uint64_t>& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// Files written by a test, removed when the fixture ends.
class TempFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("evictlab_trace_reader_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Expects read_trace to throw a TraceError whose message holds the path and
  // every one of `parts`.
  void expect_error(const std::string& path, TraceFormat format,
                    const std::vector<std::string>& parts,
                    const CsvOptions& csv = {}) {
    try {
      read_trace(path, format, csv);
      ADD_FAILURE() << path << ": no TraceError";
    } catch (const TraceError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      for (const std::string& p : parts) {
        EXPECT_NE(what.find(p), std::string::npos)
            << "'" << p << "' not in: " << what;
      }
    }
  }

  fs::path dir_;
};

template <class T>
void put(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

std::string oracle_record(std::uint32_t time, std::uint64_t id,
                          std::uint32_t size, std::int64_t next) {
  std::string r;
  put(r, time);
  put(r, id);
  put(r, size);
  put(r, next);
  return r;
}

std::string vscsi_v1_record(std::uint16_t ver, std::uint64_t lbn,
                            std::uint32_t len) {
  std::string r;
  put<std::uint32_t>(r, 7);     // sn
  put<std::uint32_t>(r, len);   // len
  put<std::uint32_t>(r, 1);     // nSG
  put<std::uint16_t>(r, 0x2a);  // cmd
  put<std::uint16_t>(r, ver);   // ver
  put<std::uint64_t>(r, lbn);
  put<std::uint64_t>(r, 123456789);  // ts
  return r;
}

std::string vscsi_v2_record(std::uint16_t ver, std::uint64_t lbn,
                            std::uint32_t len) {
  std::string r;
  put<std::uint16_t>(r, 0x28);  // cmd
  put<std::uint16_t>(r, ver);   // ver
  put<std::uint32_t>(r, 7);     // sn
  put<std::uint32_t>(r, len);   // len
  put<std::uint32_t>(r, 1);     // nSG
  put<std::uint64_t>(r, lbn);
  put<std::uint64_t>(r, 123456789);  // ts
  put<std::uint64_t>(r, 55);         // rt
  return r;
}

// ---------------------------------------------------------------- names

TEST(TraceFormatTest, NamesRoundTrip) {
  for (TraceFormat f : {TraceFormat::kOracleGeneral, TraceFormat::kVscsi,
                        TraceFormat::kCsv, TraceFormat::kTxt}) {
    EXPECT_EQ(trace_format_from_name(trace_format_name(f)), f);
  }
  EXPECT_EQ(trace_format_from_name("oracleGeneral"),
            TraceFormat::kOracleGeneral);
  EXPECT_EQ(trace_format_name(TraceFormat::kOracleGeneral), "oraclegeneral");
  EXPECT_EQ(trace_format_from_name("mooncake"), std::nullopt);
  EXPECT_EQ(trace_format_from_name("oraclegeneralbin"), std::nullopt);
  EXPECT_EQ(trace_format_from_name(""), std::nullopt);
}

TEST(HashStringIdTest, IsFnv1a64) {
  // Published FNV-1a 64 test vectors.
  EXPECT_EQ(hash_string_id(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(hash_string_id("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(hash_string_id("foobar"), 0x85944171f73967e8ULL);
}

// ---------------------------------------------------------------- next access

TEST(ComputeNextAccessTest, HandWorkedSequence) {
  // index: 0  1  2  3  4  5  6
  // id:    5  9  5  7  9  5  8
  Trace t;
  for (std::uint64_t id : {5, 9, 5, 7, 9, 5, 8}) {
    t.requests.push_back({id, 1, 12345});  // stale value to be overwritten
  }
  compute_next_access(t);
  std::vector<std::int64_t> next;
  for (const Request& r : t.requests) next.push_back(r.next_access);
  EXPECT_EQ(next, (std::vector<std::int64_t>{2, 4, 5, -1, -1, -1, -1}));
}

TEST(ComputeNextAccessTest, EmptyAndSingle) {
  Trace empty;
  compute_next_access(empty);
  EXPECT_TRUE(empty.requests.empty());
  Trace one;
  one.requests.push_back({1, 1, 0});
  compute_next_access(one);
  EXPECT_EQ(one.requests[0].next_access, -1);
}

// ---------------------------------------------------------------- shipped
// files

TEST(ShippedTracesTest, OracleGeneral) {
  const Trace t = read_trace(kOracle, TraceFormat::kOracleGeneral);
  ASSERT_EQ(t.requests.size(), kShippedRequests);
  EXPECT_EQ(t.requests[0].id, 42932745u);
  EXPECT_EQ(t.requests[0].size, 512u);
  std::unordered_set<std::uint64_t> distinct;
  for (const Request& r : t.requests) distinct.insert(r.id);
  EXPECT_EQ(distinct.size(), 48974u);
  // The file's own next_access field is the 1-based index of the next request
  // (SIM-SPEC section 2) and this file skips no record, so the recomputed
  // 0-based index must be exactly one less, or both -1.
  std::ifstream in(kOracle, std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  ASSERT_EQ(raw.size(), kShippedRequests * 24);
  std::size_t mismatches = 0;
  std::size_t none = 0;
  for (std::size_t i = 0; i < kShippedRequests; ++i) {
    std::int64_t file_next;
    std::memcpy(&file_next, raw.data() + i * 24 + 16, 8);
    const std::int64_t ours = t.requests[i].next_access;
    if (ours == -1) ++none;
    if (!(ours == -1 ? file_next == -1 : file_next == ours + 1)) ++mismatches;
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(none, 48974u);  // each object's last request
}

TEST(ShippedTracesTest, VscsiHasTheSameIdsAndItsOwnSizes) {
  const Trace og = read_trace(kOracle, TraceFormat::kOracleGeneral);
  const Trace v = read_trace(kVscsi, TraceFormat::kVscsi);
  ASSERT_EQ(v.requests.size(), kShippedRequests);
  const auto og_ids = ids_of(og);
  const auto v_ids = ids_of(v);
  EXPECT_EQ(first_difference(og_ids, v_ids), kShippedRequests);
  // The oracleGeneral file carries every object's first size on each of its
  // requests; vscsi has each request's own length.
  std::unordered_map<std::uint64_t, std::uint64_t> first_size;
  std::size_t differ_from_first = 0;
  std::size_t og_differ_from_first = 0;
  for (std::size_t i = 0; i < kShippedRequests; ++i) {
    const auto it =
        first_size.try_emplace(v.requests[i].id, v.requests[i].size).first;
    if (v.requests[i].size != it->second) ++differ_from_first;
    if (og.requests[i].size != it->second) ++og_differ_from_first;
    EXPECT_EQ(v.requests[i].next_access, og.requests[i].next_access) << i;
  }
  EXPECT_EQ(differ_from_first, 13671u);
  EXPECT_EQ(og_differ_from_first, 0u);
}

TEST(ShippedTracesTest, CsvHasTheSameIdsAndTheVscsiSizes) {
  const Trace og = read_trace(kOracle, TraceFormat::kOracleGeneral);
  const Trace v = read_trace(kVscsi, TraceFormat::kVscsi);
  const Trace c = read_trace(kCsv, TraceFormat::kCsv, cloudphysics_csv());
  ASSERT_EQ(c.requests.size(), kShippedRequests);
  EXPECT_EQ(first_difference(ids_of(og), ids_of(c)), kShippedRequests);
  std::size_t size_mismatch = 0;
  for (std::size_t i = 0; i < kShippedRequests; ++i) {
    if (c.requests[i].size != v.requests[i].size) ++size_mismatch;
    EXPECT_EQ(c.requests[i].next_access, og.requests[i].next_access) << i;
  }
  EXPECT_EQ(size_mismatch, 0u);
  // Without the header flag, the header line is data: an error at line 1.
  CsvOptions no_header = cloudphysics_csv();
  no_header.header = false;
  EXPECT_THROW(read_trace(kCsv, TraceFormat::kCsv, no_header), TraceError);
}

TEST(ShippedTracesTest, TxtHasTheSameIdsWithSizeOne) {
  const Trace og = read_trace(kOracle, TraceFormat::kOracleGeneral);
  const Trace t = read_trace(kTxt, TraceFormat::kTxt);
  ASSERT_EQ(t.requests.size(), kShippedRequests);  // no final newline
  EXPECT_EQ(first_difference(ids_of(og), ids_of(t)), kShippedRequests);
  for (std::size_t i = 0; i < kShippedRequests; ++i) {
    ASSERT_EQ(t.requests[i].size, 1u) << i;
    ASSERT_EQ(t.requests[i].next_access, og.requests[i].next_access) << i;
  }
}

// ----------------------------------------------------------------
// oraclegeneral

using OracleGeneralTest = TempFiles;

TEST_F(OracleGeneralTest, SkipsZeroSizeAndRecomputesNextAccess) {
  // The file's next_access fields are garbage on purpose: they are not used.
  const std::string path =
      write("og.bin", oracle_record(1, 10, 512, 99) +
                          oracle_record(2, 20, 0, 99) +  // skipped
                          oracle_record(3, 10, 4096, 99) +
                          oracle_record(4, 30, 0xffffffffu, -7));
  const Trace t = read_trace(path, TraceFormat::kOracleGeneral);
  ASSERT_EQ(t.requests.size(), 3u);
  EXPECT_EQ(t.requests[0].id, 10u);
  EXPECT_EQ(t.requests[0].size, 512u);
  EXPECT_EQ(t.requests[0].next_access, 1);
  EXPECT_EQ(t.requests[1].id, 10u);
  EXPECT_EQ(t.requests[1].size, 4096u);
  EXPECT_EQ(t.requests[1].next_access, -1);
  EXPECT_EQ(t.requests[2].id, 30u);
  EXPECT_EQ(t.requests[2].size, 0xffffffffu);
}

TEST_F(OracleGeneralTest, UsesTheRecordsNextAccessWhenNothingIsSkipped) {
  // SIM-SPEC section 3: 1-based in the file, 0-based in `requests`.
  const std::string path =
      write("og_next.bin", oracle_record(1, 10, 512, 3) +
                               oracle_record(2, 20, 512, -1) +
                               oracle_record(3, 10, 512, -1));
  const Trace t = read_trace(path, TraceFormat::kOracleGeneral);
  EXPECT_TRUE(t.has_next_access);
  EXPECT_EQ(t.requests[0].next_access, 2);
  EXPECT_EQ(t.requests[1].next_access, -1);
  EXPECT_EQ(t.requests[2].next_access, -1);
  // Without next accesses asked for, none are read.
  const Trace bare = read_trace(path, TraceFormat::kOracleGeneral, {}, false);
  EXPECT_FALSE(bare.has_next_access);
  EXPECT_EQ(bare.requests[0].next_access, -1);
}

TEST_F(OracleGeneralTest, ANextAccessThatIsNotALaterRequestIsNamed) {
  // Record 2's next access points at record 3, which is another object.
  const std::string path =
      write("og_bad_next.bin", oracle_record(1, 10, 512, -1) +
                                   oracle_record(2, 20, 512, 3) +
                                   oracle_record(3, 30, 512, -1));
  expect_error(path, TraceFormat::kOracleGeneral,
               {"record 2", "next_access 3"});
  // Pointing backwards (or at itself) is as malformed.
  const std::string back =
      write("og_back.bin",
            oracle_record(1, 10, 512, -1) + oracle_record(2, 10, 512, 1));
  expect_error(back, TraceFormat::kOracleGeneral, {"record 2"});
}

TEST_F(OracleGeneralTest, TruncatedRecordIsNamed) {
  const std::string path =
      write("trunc.bin", oracle_record(1, 10, 512, -1) +
                             oracle_record(2, 11, 512, -1) +
                             oracle_record(3, 12, 512, -1).substr(0, 5));
  expect_error(path, TraceFormat::kOracleGeneral,
               {"record 3", "truncated: 5 of 24 bytes"});
}

TEST_F(OracleGeneralTest, EmptyAndMissingFiles) {
  expect_error(write("empty.bin", ""), TraceFormat::kOracleGeneral,
               {"empty file"});
  const std::string missing = (dir_ / "no_such.bin").string();
  expect_error(missing, TraceFormat::kOracleGeneral, {"cannot open"});
}

// ---------------------------------------------------------------- vscsi

using VscsiTest = TempFiles;

TEST_F(VscsiTest, ReadsVersion1) {
  const std::string path =
      write("v1.vscsi", vscsi_v1_record(0x0100, 1000, 512) +
                            vscsi_v1_record(0x0100, 2000, 4096) +
                            vscsi_v1_record(0x0100, 1000, 8192));
  const Trace t = read_trace(path, TraceFormat::kVscsi);
  ASSERT_EQ(t.requests.size(), 3u);
  EXPECT_EQ(t.requests[0].id, 1000u);
  EXPECT_EQ(t.requests[0].size, 512u);
  EXPECT_EQ(t.requests[0].next_access, 2);
  EXPECT_EQ(t.requests[1].id, 2000u);
  EXPECT_EQ(t.requests[1].size, 4096u);
  EXPECT_EQ(t.requests[2].size, 8192u);
}

TEST_F(VscsiTest, ReadsVersion2) {
  const std::string path =
      write("v2.vscsi", vscsi_v2_record(0x0200, 1000, 512) +
                            vscsi_v2_record(0x02ff, 3000, 1024));
  const Trace t = read_trace(path, TraceFormat::kVscsi);
  ASSERT_EQ(t.requests.size(), 2u);
  EXPECT_EQ(t.requests[0].id, 1000u);
  EXPECT_EQ(t.requests[0].size, 512u);
  EXPECT_EQ(t.requests[1].id, 3000u);
  EXPECT_EQ(t.requests[1].size, 1024u);
}

TEST_F(VscsiTest, SingleRecordFiles) {
  const Trace t1 = read_trace(write("one1", vscsi_v1_record(0x0100, 5, 9)),
                              TraceFormat::kVscsi);
  ASSERT_EQ(t1.requests.size(), 1u);
  EXPECT_EQ(t1.requests[0].id, 5u);
  const Trace t2 = read_trace(write("one2", vscsi_v2_record(0x0200, 6, 9)),
                              TraceFormat::kVscsi);
  ASSERT_EQ(t2.requests.size(), 1u);
  EXPECT_EQ(t2.requests[0].id, 6u);
}

TEST_F(VscsiTest, UnknownVersion) {
  expect_error(write("v3.vscsi", vscsi_v1_record(0x0300, 1, 512) +
                                     vscsi_v1_record(0x0300, 2, 512)),
               TraceFormat::kVscsi,
               {"record 1", "unknown vscsi version",
                "read as v2 (40-byte records) ver >> 8 is 0",
                "read as v1 (32-byte records) ver >> 8 is 3"});
  // One record of each version: neither reading holds for both, and the
  // message blames the second record, which disagrees with the first.
  expect_error(write("mixed.vscsi", vscsi_v1_record(0x0100, 1, 512) +
                                        vscsi_v1_record(0x0000, 2, 512)),
               TraceFormat::kVscsi,
               {"record 2", "unknown vscsi version",
                "as v2 (40-byte records) there is no record 2",
                "as v1 (32-byte records) ver >> 8 is 0"});
  expect_error(write("tiny.vscsi", std::string(10, '\x01')),
               TraceFormat::kVscsi, {"record 1", "truncated: 10 of 32 bytes"});
}

TEST_F(VscsiTest, TruncatedRecordIsNamed) {
  expect_error(write("t1.vscsi", vscsi_v1_record(0x0100, 1, 512) +
                                     vscsi_v1_record(0x0100, 2, 512) +
                                     std::string(10, '\0')),
               TraceFormat::kVscsi, {"record 3", "truncated: 10 of 32 bytes"});
  expect_error(
      write("t2.vscsi",
            vscsi_v2_record(0x0200, 1, 512) + vscsi_v2_record(0x0200, 2, 512) +
                vscsi_v2_record(0x0200, 3, 512) + std::string(39, '\0')),
      TraceFormat::kVscsi, {"record 4", "truncated: 39 of 40 bytes"});
}

// ---------------------------------------------------------------- csv

using CsvTest = TempFiles;

TEST_F(CsvTest, FieldsDelimiterAndSizeDefault) {
  CsvOptions o;
  o.delimiter = ';';
  o.id_field = 2;
  o.size_field = 3;
  const std::string path = write("a.csv", "x;7;100\r\ny; 8 ;200\nz;7;300");
  const Trace t = read_trace(path, TraceFormat::kCsv, o);
  ASSERT_EQ(t.requests.size(), 3u);
  EXPECT_EQ(t.requests[0].id, 7u);
  EXPECT_EQ(t.requests[0].size, 100u);
  EXPECT_EQ(t.requests[0].next_access, 2);
  EXPECT_EQ(t.requests[1].id, 8u);
  EXPECT_EQ(t.requests[2].size, 300u);
  o.size_field = 0;  // absent: size 1
  const Trace u = read_trace(path, TraceFormat::kCsv, o);
  EXPECT_EQ(u.requests[1].size, 1u);
}

TEST_F(CsvTest, StringIdsAreHashed) {
  CsvOptions o;
  o.header = true;
  o.id_field = 1;
  o.id_is_string = true;
  const Trace t = read_trace(write("s.csv", "key\nfoobar\na\nfoobar\n"),
                             TraceFormat::kCsv, o);
  ASSERT_EQ(t.requests.size(), 3u);
  EXPECT_EQ(t.requests[0].id, hash_string_id("foobar"));
  EXPECT_EQ(t.requests[1].id, hash_string_id("a"));
  EXPECT_EQ(t.requests[0].next_access, 2);
}

TEST_F(CsvTest, MissingField) {
  CsvOptions o = cloudphysics_csv();
  expect_error(write("m.csv",
                     "version,time,op,size,lbn\n1,5,2a,512,9\n"
                     "1,5,2a,512\n"),
               TraceFormat::kCsv, {"line 3", "missing id field 5"}, o);
}

TEST_F(CsvTest, NonNumericIdAndSize) {
  CsvOptions o = cloudphysics_csv();
  expect_error(
      write("id.csv", "h\n1,5,2a,512,9\n1,5,2a,512,9\n1,5,2a,512,x9\n"),
      TraceFormat::kCsv, {"line 4", "id field 5", "'x9'"}, o);
  expect_error(write("neg.csv", "h\n1,5,2a,512,-9\n"), TraceFormat::kCsv,
               {"line 2", "id field 5"}, o);
  expect_error(write("big.csv", "h\n1,5,2a,512,18446744073709551616\n"),
               TraceFormat::kCsv, {"line 2", "id field 5"}, o);
  expect_error(write("size.csv", "h\n1,5,2a,5k,9\n"), TraceFormat::kCsv,
               {"line 2", "size field 4", "'5k'"}, o);
  expect_error(write("time.csv", "h\n1,soon,2a,512,9\n"), TraceFormat::kCsv,
               {"line 2", "time field 2"}, o);
}

TEST_F(CsvTest, EmptyFileHeaderOnlyAndBlankLine) {
  CsvOptions o = cloudphysics_csv();
  expect_error(write("e.csv", ""), TraceFormat::kCsv, {"empty file"}, o);
  expect_error(write("h.csv", "version,time,op,size,lbn\n"), TraceFormat::kCsv,
               {"no request after the header line"}, o);
  expect_error(write("b.csv", "h\n1,5,2a,512,9\n\n1,5,2a,512,9\n"),
               TraceFormat::kCsv, {"line 3", "blank line"}, o);
}

TEST_F(CsvTest, IdFieldRequired) {
  CsvOptions o;
  expect_error(write("n.csv", "1,2\n"), TraceFormat::kCsv, {"id field"}, o);
}

// ---------------------------------------------------------------- txt

using TxtTest = TempFiles;

TEST_F(TxtTest, FinalNewlineIsOptional) {
  const Trace a = read_trace(write("a.txt", "3\n4\n3\n"), TraceFormat::kTxt);
  const Trace b = read_trace(write("b.txt", "3\n4\r\n 3"), TraceFormat::kTxt);
  ASSERT_EQ(a.requests.size(), 3u);
  ASSERT_EQ(b.requests.size(), 3u);
  for (const Trace* t : {&a, &b}) {
    EXPECT_EQ(t->requests[0].id, 3u);
    EXPECT_EQ(t->requests[0].size, 1u);
    EXPECT_EQ(t->requests[0].next_access, 2);
    EXPECT_EQ(t->requests[1].id, 4u);
  }
}

TEST_F(TxtTest, NonNumericAndBlankLines) {
  expect_error(write("n.txt", "1\n2\nabc\n"), TraceFormat::kTxt,
               {"line 3", "'abc'"});
  expect_error(write("f.txt", "1\n2.5\n"), TraceFormat::kTxt,
               {"line 2", "'2.5'"});
  expect_error(write("b.txt", "1\n\n2\n"), TraceFormat::kTxt,
               {"line 2", "blank line"});
  expect_error(write("bb.txt", "1\n2\n\n"), TraceFormat::kTxt,
               {"line 3", "blank line"});
  expect_error(write("e.txt", ""), TraceFormat::kTxt, {"empty file"});
}

}  // namespace
}  // namespace evictlab::sim
