// `evictlab`: the lab's command-line tool.
//
//   evictlab replay [--mode reference|strict] FILE...
//   evictlab simulate --trace FILE --format F --policy P[,P...]|all
//                     --cache-sizes SIZES [options]
//   evictlab generate zipf|repeat|kv [options] --out FILE
//   evictlab soak --policy P [--ops N] [options]
//
// replay: golden traces (../shared/SPEC.md); prints, per file, PASS or the
// first mismatch / malformed line with file:line. Exit status: 0 when every
// file passes, 1 when any mismatches, 2 for malformed input or bad usage.
// simulate: the trace simulator (../shared/SIM-SPEC.md; simulate.cc), KV
// mode included (--format mooncake).
// generate: synthetic oracleGeneral traces and KV workloads (generate.cc).
// soak: a long KV run on a generated workload with invariants and RSS
// checked at intervals (soak.cc).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "src/cli/generate.h"
#include "src/cli/simulate.h"
#include "src/cli/soak.h"

namespace {

constexpr const char* kUsage =
    "usage: evictlab replay [--mode reference|strict] FILE...\n"
    "       evictlab simulate --trace FILE --format FORMAT --policy "
    "P[,P...]|all\n"
    "                         --cache-sizes SIZES [options]   (simulate "
    "--help)\n"
    "       evictlab generate zipf|repeat|kv [options] --out FILE   "
    "(generate --help)\n"
    "       evictlab soak --policy P [--ops N] [options]   (soak --help)\n"
    "\n"
    "  replay   Replay golden traces against the C++ port and compare every\n"
    "           recorded field. --mode reference (default) must reproduce the\n"
    "           original exactly; --mode strict replays through the flaw-free\n"
    "           StrictLRUEvictor and shows where it departs from the "
    "original.\n"
    "\n"
    "Exit status: 0 all files pass, 1 a mismatch, 2 malformed input or "
    "usage.\n";

// `evictlab replay ...` runs the sibling binary evictlab-replay (the only
// one that loads libtorch) with the same arguments.
int exec_replay(char** argv) {
  std::string self(PATH_MAX, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", self.data(), self.size());
  std::string dir = n > 0 ? self.substr(0, static_cast<std::size_t>(n)) : "";
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  const std::string replay = dir + "evictlab-replay";
  std::vector<char*> child{const_cast<char*>(replay.c_str())};
  for (char** a = argv + 2; *a != nullptr; ++a) child.push_back(*a);
  child.push_back(nullptr);
  ::execv(replay.c_str(), child.data());
  fmt::print(stderr, "evictlab replay: cannot run '{}': {}\n", replay,
             std::strerror(errno));
  return 2;
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
    return exec_replay(argv);
  }
  if (args[0] == "simulate") {
    return evictlab::cli::simulate({args.begin() + 1, args.end()});
  }
  if (args[0] == "generate") {
    return evictlab::cli::generate({args.begin() + 1, args.end()});
  }
  if (args[0] == "soak") {
    return evictlab::cli::soak({args.begin() + 1, args.end()});
  }
  fmt::print(stderr, "evictlab: unknown command '{}'\n{}", args[0], kUsage);
  return 2;
}
