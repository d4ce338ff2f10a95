// `evictlab-replay`: the golden-trace replayer behind `evictlab replay`
// (main.cc execs it). A binary of its own because it builds real tensors and
// so loads libtorch (~0.5 s at start-up), which `evictlab simulate` and
// `evictlab generate` must not pay: they link only the evictor core (c10).
//
//   evictlab-replay [--mode reference|strict] FILE...
//
// Prints, per file, PASS or the first mismatch / malformed line with
// file:line. Exit status: 0 when every file passes, 1 when any mismatches, 2
// for malformed input or bad usage.
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "evictlab/trace_replay.h"

namespace {

constexpr const char* kUsage =
    "usage: evictlab replay [--mode reference|strict] FILE...\n"
    "\n"
    "  Replay golden traces against the C++ port and compare every recorded\n"
    "  field. --mode reference (default) must reproduce the original exactly;\n"
    "  --mode strict replays through the flaw-free StrictLRUEvictor and shows\n"
    "  where it departs from the original.\n"
    "\n"
    "Exit status: 0 all files pass, 1 a mismatch, 2 malformed input or "
    "usage.\n";

int replay(const std::vector<std::string_view>& args) {
  evictlab::ReplayMode mode = evictlab::ReplayMode::kReference;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--mode" || arg.substr(0, 7) == "--mode=") {
      std::string_view value;
      if (arg == "--mode") {
        if (i + 1 == args.size()) {
          fmt::print(stderr, "evictlab replay: --mode needs a value\n");
          return 2;
        }
        value = args[++i];
      } else {
        value = arg.substr(7);
      }
      if (value == "reference") {
        mode = evictlab::ReplayMode::kReference;
      } else if (value == "strict") {
        mode = evictlab::ReplayMode::kStrict;
      } else {
        fmt::print(stderr,
                   "evictlab replay: --mode must be reference or strict, got "
                   "'{}'\n",
                   value);
        return 2;
      }
    } else if (arg.size() > 1 && arg[0] == '-') {
      fmt::print(stderr, "evictlab replay: unknown option '{}'\n{}", arg,
                 kUsage);
      return 2;
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) {
    fmt::print(stderr, "evictlab replay: no trace files given\n{}", kUsage);
    return 2;
  }
  int status = 0;
  std::size_t passed = 0;
  for (const std::string& file : files) {
    const evictlab::ReplayOutcome outcome =
        evictlab::replay_trace_file(file, mode);
    using Kind = evictlab::ReplayOutcome::Kind;
    // Malformed input is an error message (stderr); PASS and FAIL are the
    // report (stdout).
    fmt::print(outcome.kind == Kind::kInvalid ? stderr : stdout, "{}\n",
               outcome.describe());
    if (outcome.kind == Kind::kPass) {
      ++passed;
    } else if (outcome.kind == Kind::kInvalid) {
      status = 2;
    } else if (status == 0) {
      status = 1;
    }
  }
  fmt::print("{} of {} traces passed ({} mode)\n", passed, files.size(),
             mode == evictlab::ReplayMode::kReference ? "reference" : "strict");
  std::fflush(stdout);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    fmt::print("{}", kUsage);
    return 0;
  }
  return replay(args);
}
