// `evictlab simulate`: the command line of the trace simulator
// (sim/simulator.h). See kSimulateUsage in simulate.cc.
#ifndef EVICTLAB_SRC_CLI_SIMULATE_H_
#define EVICTLAB_SRC_CLI_SIMULATE_H_

#include <string_view>
#include <vector>

namespace evictlab::cli {

// Exit status: 0 done, 2 bad usage or bad input (the message names the
// option, the file and the record).
int simulate(const std::vector<std::string_view>& args);

}  // namespace evictlab::cli

#endif  // EVICTLAB_SRC_CLI_SIMULATE_H_
