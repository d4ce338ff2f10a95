// Golden-trace replay: every trace recorded from the original passes byte for
// byte, any single changed expectation fails at its own line, and malformed
// input is reported with file:line instead of crashing.
#include "evictlab/trace_replay.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "evictlab/registry.h"
#include "nlohmann/json.hpp"

namespace evictlab {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Kind = ReplayOutcome::Kind;

fs::path golden_dir() { return fs::path(EVICTLAB_SOURCE_DIR) / "tests/golden"; }

std::vector<fs::path> golden_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(golden_dir())) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

ReplayOutcome replay_lines(const std::vector<std::string>& lines,
                           ReplayMode mode = ReplayMode::kReference) {
  std::stringstream in;
  for (const auto& l : lines) in << l << '\n';
  return replay_trace(in, "t.jsonl", mode);
}

TEST(GoldenReplayTest, EveryGoldenTracePasses) {
  const auto files = golden_files();
  ASSERT_EQ(files.size(), 10u);
  for (const auto& file : files) {
    const ReplayOutcome outcome = replay_trace_file(file.string());
    EXPECT_TRUE(outcome.passed()) << outcome.describe();
    EXPECT_EQ(outcome.operations, read_lines(file).size() - 1) << file;
  }
}

// Changes one recorded expectation of `line` so that a correct replayer must
// report a mismatch there. Returns false if the line records nothing.
bool mutate_expectation(json& line) {
  const std::string op = line["op"];
  if (op == "contains") {
    line["result"] = !line["result"].get<bool>();
  } else if (op == "order") {
    auto& keys = line["keys"];
    if (keys.empty())
      keys.push_back("phantom");
    else
      keys.erase(keys.begin());
  } else if (op == "get_size") {
    if (line.contains("error"))
      line["message"] = line["message"].get<std::string>() + "x";
    else
      line["size"] = line["size"].get<std::int64_t>() + 1;
  } else if (op == "update_on_get") {
    if (line.contains("error"))
      line.erase("error");
    else
      line["error"] = "KeyError";
  } else if (line.contains("current")) {  // put, pop, set under LRU
    line["current"] = line["current"].get<double>() + 1.0;
  } else if (line.contains("len")) {  // dummy
    line["len"] = line["len"].get<std::int64_t>() + 1;
  } else {
    return false;
  }
  return true;
}

// Other recorded fields of update_on_put, changed one at a time.
std::vector<json> put_mutations(const json& line) {
  std::vector<json> out;
  if (line.contains("error")) {
    json m = line;
    m.erase("error");
    m["evict"] = json::array();
    m["status"] = "LEGAL";
    out.push_back(m);
    return out;
  }
  json flipped = line;
  flipped["status"] = line["status"] == "LEGAL" ? "ILLEGAL" : "LEGAL";
  out.push_back(flipped);
  json evict = line;
  if (line["evict"].empty())
    evict["evict"].push_back("phantom");
  else
    evict["evict"].erase(evict["evict"].end() - 1);
  out.push_back(evict);
  json len = line;
  len["len"] = line["len"].get<std::int64_t>() + 1;
  out.push_back(len);
  return out;
}

TEST(GoldenReplayTest, AnySingleChangedExpectationFailsAtItsLine) {
  for (const auto& file : golden_files()) {
    const auto lines = read_lines(file);
    // Every line of the small traces; every 7th of the long random ones keeps
    // the sanitizer build fast while still hitting every op kind.
    const std::size_t stride = lines.size() > 200 ? 7 : 1;
    for (std::size_t i = 1; i < lines.size(); i += stride) {
      json line = json::parse(lines[i]);
      std::vector<json> mutations;
      if (line["op"] == "update_on_put") mutations = put_mutations(line);
      json changed = line;
      if (mutate_expectation(changed)) mutations.push_back(changed);
      ASSERT_FALSE(mutations.empty()) << file << ":" << i + 1;
      for (const json& m : mutations) {
        auto copy = lines;
        copy[i] = m.dump();
        const ReplayOutcome outcome = replay_lines(copy);
        EXPECT_EQ(outcome.kind, Kind::kMismatch)
            << file << ":" << i + 1 << " " << m.dump() << " -> "
            << outcome.describe();
        EXPECT_EQ(outcome.line, i + 1) << outcome.describe();
      }
    }
  }
}

TEST(GoldenReplayTest, MismatchMessageNamesFieldExpectedAndActual) {
  auto lines = read_lines(golden_dir() / "lru_basic.jsonl");
  json line = json::parse(lines[1]);
  line["current"] = 1.0;
  lines[1] = line.dump();
  const ReplayOutcome outcome = replay_lines(lines);
  EXPECT_EQ(outcome.describe(),
            "FAIL t.jsonl:2: update_on_put: field 'current': expected 1, "
            "actual 4096");
}

struct BadInput {
  std::string name;
  std::string line;  // replaces line 2 of lru_basic.jsonl
  std::string message_part;
};

TEST(GoldenReplayTest, MalformedInputIsReportedWithFileAndLine) {
  const std::vector<BadInput> cases = {
      {"bad json", R"({"op":"update_on_put",)", "bad JSON"},
      {"unknown op", R"({"op":"frobnicate"})",
       "unknown operation 'frobnicate'"},
      {"missing field", R"({"op":"update_on_put","evict":[],"status":"LEGAL"})",
       "missing field 'size'"},
      {"mistyped field", R"({"op":"update_on_put","size":"4096"})",
       "field 'size' must be an integer"},
      {"float size", R"({"op":"update_on_put","size":4096.5})",
       "field 'size' must be an integer"},
      {"unknown dtype",
       R"({"op":"get_size","kv":{"type":"tensor","dtype":"float8","shape":[1]},"size":1})",
       "unknown dtype 'float8'"},
      {"unknown kv type", R"({"op":"get_size","kv":{"type":"list"},"size":1})",
       "unknown kv type 'list'"},
      {"bad cek key", R"({"op":"contains","key":"cek:a@b","result":false})",
       "field 'key'"},
      {"unknown field", R"({"op":"contains","key":"a","result":false,"x":1})",
       "unknown field 'x'"},
      {"bad view",
       R"({"op":"get_size","kv":{"type":"tensor","dtype":"int8","shape":[2],"narrow":[5,0,1]},"size":0})",
       "invalid tensor view"},
      {"not an object", R"([1,2,3])", "must be a JSON object"},
      // 2^31 elements of 16 bytes: 32 GiB. The limit is on bytes; it once
      // was on elements, and this allocation then failed inside the
      // replay and was reported as a mismatch.
      {"huge tensor",
       R"({"op":"set","key":"a","kv":{"type":"tensor","dtype":"complex128","shape":[2147483648]}})",
       "a tensor of more than 1073741824 bytes is too large to replay"},
      {"huge bytearray",
       R"({"op":"set","key":"a","kv":{"type":"bytearray","len":1073741825}})",
       "field 'len' out of range: 1073741825"},
      {"bad error name", R"({"op":"update_on_get","key":"a","error":"Boom"})",
       "field 'error'"},
  };
  const auto base = read_lines(golden_dir() / "lru_basic.jsonl");
  for (const auto& c : cases) {
    auto lines = base;
    lines[1] = c.line;
    const ReplayOutcome outcome = replay_lines(lines);
    EXPECT_EQ(outcome.kind, Kind::kInvalid)
        << c.name << ": " << outcome.describe();
    EXPECT_EQ(outcome.line, 2u) << c.name;
    EXPECT_NE(outcome.describe().find("ERROR t.jsonl:2:"), std::string::npos)
        << outcome.describe();
    EXPECT_NE(outcome.message.find(c.message_part), std::string::npos)
        << c.name << ": " << outcome.message;
  }
}

// Any registered policy may be named in a header: the replayer finds it in
// the registry. Here fifo's and mru's recorded outcomes, worked by hand
// (MAX = 8192; three 4096-byte puts, a hit of A in between).
TEST(GoldenReplayTest, HeadersMayNameAnyRegisteredPolicy) {
  const std::string header_gb = R"("max_cache_size_gb":7.62939453125e-06)";
  auto trace = [&](const std::string& policy, const std::string& third_evict,
                   const std::string& order) {
    return std::vector<std::string>{
        R"({"trace":"t","policy":")" + policy + R"(",)" + header_gb + "}",
        R"({"op":"update_on_put","size":4096,"evict":[],"status":"LEGAL"})",
        R"({"op":"set","key":"A","kv":{"type":"kvobj","chunk_idx":0,"size":4096}})",
        R"({"op":"update_on_put","size":4096,"evict":[],"status":"LEGAL"})",
        R"({"op":"set","key":"B","kv":{"type":"kvobj","chunk_idx":1,"size":4096},"current":8192})",
        R"({"op":"update_on_get","key":"A"})",
        R"({"op":"update_on_put","size":4096,"evict":[")" + third_evict +
            R"("],"status":"LEGAL"})",
        R"({"op":"pop","key":")" + third_evict + R"("})",
        R"({"op":"set","key":"C","kv":{"type":"kvobj","chunk_idx":2,"size":4096},"current":8192})",
        R"({"op":"order","keys":)" + order + "}"};
  };
  // fifo: the hit changes nothing; the oldest inserted (A) goes.
  EXPECT_TRUE(replay_lines(trace("fifo", "A", R"(["B","C"])")).passed())
      << replay_lines(trace("fifo", "A", R"(["B","C"])")).describe();
  // mru: the hit makes A the newest, and the newest goes.
  EXPECT_TRUE(replay_lines(trace("mru", "A", R"(["B","C"])")).passed())
      << replay_lines(trace("mru", "A", R"(["B","C"])")).describe();
  // lru: the hit saves A; B goes.
  EXPECT_TRUE(replay_lines(trace("lru", "B", R"(["A","C"])")).passed())
      << replay_lines(trace("lru", "B", R"(["A","C"])")).describe();
  // And a wrong expectation is caught: fifo does not evict B here.
  EXPECT_EQ(replay_lines(trace("fifo", "B", R"(["A","C"])")).kind,
            Kind::kMismatch);
}

TEST(GoldenReplayTest, BadHeaderAndEmptyInput) {
  EXPECT_EQ(replay_lines({}).kind, Kind::kInvalid);
  const ReplayOutcome unknown = replay_lines(
      {R"({"trace":"x","policy":"no_such_policy","max_cache_size_gb":1})"});
  EXPECT_EQ(unknown.kind, Kind::kInvalid);
  // The message lists the registry's policies, in registry order.
  std::string names;
  for_each_policy([&](auto p) {
    if (!names.empty()) names += ", ";
    names += decltype(p)::kTraits.name;
  });
  EXPECT_NE(
      unknown.message.find("unknown policy 'no_such_policy' (expected one of " +
                           names + ")"),
      std::string::npos)
      << unknown.message;
  EXPECT_EQ(
      replay_lines({R"({"trace":"x","policy":"lru","max_cache_size_gb":"1"})"})
          .kind,
      Kind::kInvalid);
  // A recorded limit that disagrees with int(gb * 1024**3) is a mismatch.
  EXPECT_EQ(
      replay_lines(
          {R"({"trace":"x","policy":"lru","max_cache_size_gb":0.1,"max_bytes":107374183})"})
          .kind,
      Kind::kMismatch);
  EXPECT_EQ(replay_trace_file("/nonexistent/trace.jsonl").kind, Kind::kInvalid);
}

TEST(StrictReplayTest, StrictModeDepartsExactlyWhereTheFlawsAre) {
  // Drift: the first overwrite (line 5) is where strict stops double counting.
  const auto drift =
      replay_trace_file((golden_dir() / "lru_overwrite_drift.jsonl").string(),
                        ReplayMode::kStrict);
  EXPECT_EQ(drift.kind, Kind::kMismatch);
  EXPECT_EQ(drift.line, 5u) << drift.describe();
  EXPECT_EQ(drift.op, "set");
  // The local backend re-puts chunk-8 (pop, then set) at line 17: the
  // reference counts it twice from there on.
  const auto reput = replay_trace_file(
      (golden_dir() / "random_local_str.jsonl").string(), ReplayMode::kStrict);
  EXPECT_EQ(reput.line, 17u) << reput.describe();
  // Traces without an overwrite settle to the same bytes in both modes, and
  // the size rules are the same.
  for (const char* name : {"lru_basic.jsonl", "lru_multi_evict.jsonl",
                           "lru_fractional_max.jsonl", "sizes.jsonl"}) {
    const auto outcome =
        replay_trace_file((golden_dir() / name).string(), ReplayMode::kStrict);
    EXPECT_TRUE(outcome.passed()) << outcome.describe();
  }
}

}  // namespace
}  // namespace evictlab
