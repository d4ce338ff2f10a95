// Fuzz harness of `--param POLICY.NAME=VALUE` (sim/param_arg.h) and of the
// policies' parameter checks behind it (sim::check_policy_params). The input
// is up to four `--param` values, one per line, taken as the command line
// takes them.
//
// Checks: add_param_arg either adds the value or throws
// std::invalid_argument naming --param, leaving the map unchanged; then
// check_policy_params either accepts every policy's parameters or throws
// ConfigError whose field is "<policy>.<name>" of a parameter given; a
// policy whose parameters are accepted simulates a small trace.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "evictlab/errors.h"
#include "evictlab/sim/param_arg.h"
#include "evictlab/sim/simulator.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::map<std::string, evictlab::PolicyParams, std::less<>> params;
  std::map<std::string, bool> given;  // "<policy>.<name>" of every value
  for (int i = 0; i < 4 && !rest.empty(); ++i) {
    const std::size_t nl = rest.find('\n');
    const std::string_view arg = rest.substr(0, nl);
    rest =
        nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    const std::size_t before = params.size();
    try {
      evictlab::sim::add_param_arg(arg, params);
    } catch (const std::invalid_argument& e) {
      EVICTLAB_FUZZ_CHECK(evictlab::fuzz::starts_with(e.what(), "--param"),
                          "message does not name the option: %s", e.what());
      EVICTLAB_FUZZ_CHECK(params.size() == before, "a failed add changed it");
      continue;
    }
    const std::size_t eq = arg.find('=', arg.find('.') + 1);
    given[std::string(arg.substr(0, eq))] = true;
  }
  evictlab::sim::Trace trace;
  for (std::uint64_t i = 0; i < 64; ++i) {
    trace.requests.push_back({i * 7 % 13, 1 + i % 5, -1});
  }
  evictlab::sim::compute_next_access(trace);
  for (const auto& [policy, p] : params) {
    try {
      evictlab::sim::check_policy_params(policy, p);
    } catch (const evictlab::ConfigError& e) {
      EVICTLAB_FUZZ_CHECK(given.count(e.field()) == 1,
                          "ConfigError names '%s', not a parameter given: %s",
                          e.field().c_str(), e.what());
      continue;
    }
    evictlab::sim::SimOptions options;
    options.params.emplace(policy, p);
    for (const std::uint64_t capacity : {1, 4, 16, 1000}) {
      const evictlab::sim::SimResult r =
          evictlab::sim::simulate(trace, policy, capacity, options);
      EVICTLAB_FUZZ_CHECK(r.n_req == 64 && r.n_miss <= r.n_req,
                          "%s at %llu: %llu misses of %llu", policy.c_str(),
                          static_cast<unsigned long long>(capacity),
                          static_cast<unsigned long long>(r.n_miss),
                          static_cast<unsigned long long>(r.n_req));
    }
  }
  return 0;
}
