// `evictlab generate`: writes synthetic oracleGeneral traces
// (sim/generate.h). See kGenerateUsage in generate.cc.
#ifndef EVICTLAB_SRC_CLI_GENERATE_H_
#define EVICTLAB_SRC_CLI_GENERATE_H_

#include <string_view>
#include <vector>

namespace evictlab::cli {

// `args` are the words after "generate" (the generator first: zipf or
// repeat). Exit status: 0 written, 1 the output could not be written, 2 bad
// usage or a malformed input trace (the message names the option or the
// file).
int generate(const std::vector<std::string_view>& args);

}  // namespace evictlab::cli

#endif  // EVICTLAB_SRC_CLI_GENERATE_H_
