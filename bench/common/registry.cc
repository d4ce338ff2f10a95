#include "bench/common/registry.h"

#include <utility>
#include <vector>

namespace evictlab::bench {
namespace {

std::string& current_name() {
  static std::string name;
  return name;
}

std::vector<benchmark::internal::Benchmark*>& all_cases() {
  static std::vector<benchmark::internal::Benchmark*> cases;
  return cases;
}

}  // namespace

benchmark::internal::Benchmark* add(const std::string& name,
                                    std::function<void(benchmark::State&)> fn) {
  auto* b = benchmark::RegisterBenchmark(
      name.c_str(), [name, fn = std::move(fn)](benchmark::State& bm) {
        current_name() = name;
        fn(bm);
      });
  all_cases().push_back(b);
  return b;
}

const std::string& current_case() { return current_name(); }

void set_fixed_iterations(benchmark::IterationCount n) {
  for (auto* b : all_cases()) b->Iterations(n);
}

}  // namespace evictlab::bench
