// `evictlab`: the lab's command-line tool.
//
//   evictlab replay [--mode reference|strict] FILE...
//   evictlab simulate --trace FILE --format F --policy P[,P...]|all
//                     --cache-sizes SIZES [options]
//   evictlab generate zipf|repeat [options] --out FILE
//
// replay: golden traces (../shared/SPEC.md); prints, per file, PASS or the
// first mismatch / malformed line with file:line. Exit status: 0 when every
// file passes, 1 when any mismatches, 2 for malformed input or bad usage.
// simulate: the trace simulator (../shared/SIM-SPEC.md; simulate.cc).
// generate: synthetic oracleGeneral traces (generate.cc).
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "evictlab/trace_replay.h"
#include "src/cli/generate.h"
#include "src/cli/simulate.h"

namespace {

constexpr const char* kUsage =
    "usage: evictlab replay [--mode reference|strict] FILE...\n"
    "       evictlab simulate --trace FILE --format FORMAT --policy "
    "P[,P...]|all\n"
    "                         --cache-sizes SIZES [options]   (simulate "
    "--help)\n"
    "       evictlab generate zipf|repeat [options] --out FILE   (generate "
    "--help)\n"
    "\n"
    "  replay   Replay golden traces against the C++ port and compare every\n"
    "           recorded field. --mode reference (default) must reproduce the\n"
    "           original exactly; --mode strict replays through the flaw-free\n"
    "           StrictLRUEvictor and shows where it departs from the "
    "original.\n"
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
    fmt::print("{}\n", outcome.describe());
    using Kind = evictlab::ReplayOutcome::Kind;
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
  if (args.empty() || args[0] == "--help" || args[0] == "-h" ||
      args[0] == "help") {
    fmt::print(args.empty() ? stderr : stdout, "{}", kUsage);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "replay") {
    return replay({args.begin() + 1, args.end()});
  }
  if (args[0] == "simulate") {
    return evictlab::cli::simulate({args.begin() + 1, args.end()});
  }
  if (args[0] == "generate") {
    return evictlab::cli::generate({args.begin() + 1, args.end()});
  }
  fmt::print(stderr, "evictlab: unknown command '{}'\n{}", args[0], kUsage);
  return 2;
}
