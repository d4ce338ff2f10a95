// evictlab_bench: Google Benchmark's main plus flags of our own,
//   --evictlab_entries=1024,16384,...   cache sizes to register
//                                       (default 2^10, 2^12, ..., 2^20)
//   --evictlab_iterations=N             run every case exactly N iterations,
//                                       once (the instruction-count gate)
//   --evictlab_list_cases               print the case list (docs/CASES.md)
//                                       as JSON and exit
//   --evictlab_shared=DIR               the shared dir of BM_Simulate's
//                                       traces (default ../shared beside
//                                       the source tree)
// and the run's context in the JSON.
#include <absl/base/config.h>
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <torch/version.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/cache_benchmarks.h"
#include "bench/common/registry.h"

namespace {

constexpr std::string_view kEntriesFlag = "--evictlab_entries=";
constexpr std::string_view kIterationsFlag = "--evictlab_iterations=";
constexpr std::string_view kListCasesFlag = "--evictlab_list_cases";
constexpr std::string_view kSharedFlag = "--evictlab_shared=";

std::vector<std::size_t> parse_entries(std::string_view list) {
  std::vector<std::size_t> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string item(list.substr(0, comma));
    char* end = nullptr;
    const unsigned long long v = std::strtoull(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 16 || v > (1ull << 26)) {
      fmt::print(stderr,
                 "evictlab_bench: --evictlab_entries: '{}' is not a size in "
                 "[16, 2^26]\n",
                 item);
      std::exit(2);
    }
    out.push_back(static_cast<std::size_t>(v));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> entries = {1 << 10, 1 << 12, 1 << 14,
                                      1 << 16, 1 << 18, 1 << 20};
  long long fixed_iterations = 0;
  bool list_cases = false;
  std::string shared;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, kEntriesFlag.size()) == kEntriesFlag) {
      entries = parse_entries(arg.substr(kEntriesFlag.size()));
    } else if (arg == kListCasesFlag) {
      list_cases = true;
    } else if (arg.substr(0, kSharedFlag.size()) == kSharedFlag) {
      shared = std::string(arg.substr(kSharedFlag.size()));
    } else if (arg.substr(0, kIterationsFlag.size()) == kIterationsFlag) {
      const std::string value(arg.substr(kIterationsFlag.size()));
      char* end = nullptr;
      fixed_iterations = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || fixed_iterations < 1) {
        fmt::print(stderr,
                   "evictlab_bench: --evictlab_iterations: '{}' is not a "
                   "positive integer\n",
                   value);
        return 2;
      }
    } else {
      args.push_back(argv[i]);
    }
  }
  int new_argc = static_cast<int>(args.size());

  evictlab::bench::register_get_size_benchmarks();
  evictlab::bench::register_cache_benchmarks(entries);
#if !EVICTLAB_BENCH_GATE_FAMILIES_ONLY
  evictlab::bench::register_fresh_key_benchmarks(entries);
  evictlab::bench::register_request_benchmarks(entries);
  evictlab::bench::register_memory_floor_benchmarks(entries);
  evictlab::bench::register_simulate_benchmarks(shared);
  evictlab::bench::register_concurrent_benchmarks(entries);
#else
  static_cast<void>(shared);
  benchmark::AddCustomContext("families", "gate families only");
#endif
  if (list_cases) {
    evictlab::bench::print_case_list();
    return 0;
  }
  if (fixed_iterations > 0) {
    evictlab::bench::set_fixed_iterations(fixed_iterations);
  }

  benchmark::AddCustomContext("torch_version", TORCH_VERSION);
  benchmark::AddCustomContext("abseil_lts",
                              std::to_string(ABSL_LTS_RELEASE_VERSION));
  benchmark::AddCustomContext("compiler", fmt::format("g++ {}", __VERSION__));
  benchmark::AddCustomContext("cxx_flags", EVICTLAB_CXX_FLAGS);
  benchmark::AddCustomContext("build_type", EVICTLAB_BUILD_TYPE);
#ifdef EVICTLAB_SLOWDOWN_UPDATE_ON_GET
  benchmark::AddCustomContext(
      "deliberate_slowdown",
      fmt::format("update_on_get +{} (gate self-test build)",
                  EVICTLAB_SLOWDOWN_UPDATE_ON_GET));
#endif

  benchmark::Initialize(&new_argc, args.data());
  if (benchmark::ReportUnrecognizedArguments(new_argc, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
