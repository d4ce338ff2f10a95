// `evictlab soak`: a long run of the KV simulator on a generated workload
// with invariants and memory checked at intervals. See kSoakUsage in
// soak.cc.
#ifndef EVICTLAB_SRC_CLI_SOAK_H_
#define EVICTLAB_SRC_CLI_SOAK_H_

#include <string_view>
#include <vector>

namespace evictlab::cli {

// `args` are the words after "soak". Exit status: 0 the run passed every
// check, 1 a check failed (an invariant, or RSS growth past the tolerance
// after the cache was full) or the JSON could not be written, 2 bad usage
// (the message names the option).
int soak(const std::vector<std::string_view>& args);

}  // namespace evictlab::cli

#endif  // EVICTLAB_SRC_CLI_SOAK_H_
