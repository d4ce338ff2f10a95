// The `--param POLICY.NAME=VALUE` argument of `evictlab simulate`: split into
// the policy's PolicyParams (policy_params.h). The policy itself checks NAME
// and VALUE when it is constructed (sim::check_policy_params); this only
// checks the shape and that POLICY is a simulator policy.
//
// Thread-safety: reentrant; `params` needs external synchronisation.
#ifndef EVICTLAB_SIM_PARAM_ARG_H_
#define EVICTLAB_SIM_PARAM_ARG_H_

#include <string_view>

#include "evictlab/sim/simulator.h"

namespace evictlab::sim {

// Adds one `--param` value to `params` (SimOptions::params): `text` is
// POLICY.NAME=VALUE, NAME non-empty, VALUE anything (possibly empty), the
// first '.' ending POLICY and the first '=' after it ending NAME. A later
// value for the same POLICY.NAME replaces an earlier one.
// Throws std::invalid_argument whose message starts with "--param", for a
// text not of that shape or a POLICY that is not in simulator_policies();
// `params` is then unchanged. O(length of text + number of policies).
void add_param_arg(std::string_view text,
                   std::map<std::string, PolicyParams, std::less<>>& params);

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_PARAM_ARG_H_
