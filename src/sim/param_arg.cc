#include "evictlab/sim/param_arg.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace evictlab::sim {

void add_param_arg(std::string_view text,
                   std::map<std::string, PolicyParams, std::less<>>& params) {
  const std::size_t dot = text.find('.');
  const std::size_t eq =
      dot == std::string_view::npos ? dot : text.find('=', dot + 1);
  if (dot == std::string_view::npos || eq == std::string_view::npos ||
      dot == 0 || eq < dot + 2) {
    throw std::invalid_argument(
        fmt::format("--param: '{}' is not POLICY.NAME=VALUE (e.g. "
                    "s3fifo.fifo-size-ratio=0.2)",
                    text));
  }
  const std::string policy(text.substr(0, dot));
  const std::vector<std::string> known = simulator_policies();
  if (std::find(known.begin(), known.end(), policy) == known.end()) {
    throw std::invalid_argument(
        fmt::format("--param {}: {}", text, unsimulated_policy_reason(policy)));
  }
  auto [it, fresh] = params.try_emplace(policy, policy);
  it->second.set(std::string(text.substr(dot + 1, eq - dot - 1)),
                 std::string(text.substr(eq + 1)));
}

}  // namespace evictlab::sim
