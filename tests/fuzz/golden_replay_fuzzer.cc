// Fuzz harness of the golden-trace replayer (trace_replay.h, SPEC.md
// "Golden traces"). The input is the trace's text, replayed in both modes.
//
// Checks: replay_trace never throws (its contract: every problem is an
// outcome); an outcome that is not PASS names a line of the input (1-based,
// at most the number of lines) and says what is wrong; describe() starts
// with PASS, FAIL or ERROR and the trace's name.
#include <cstdint>
#include <sstream>
#include <string>

#include "evictlab/trace_replay.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++lines;
  for (const auto mode :
       {evictlab::ReplayMode::kReference, evictlab::ReplayMode::kStrict}) {
    std::istringstream in(text);
    const evictlab::ReplayOutcome out =
        evictlab::replay_trace(in, "fuzz.jsonl", mode);
    const std::string line = out.describe();
    using Kind = evictlab::ReplayOutcome::Kind;
    switch (out.kind) {
      case Kind::kPass:
        EVICTLAB_FUZZ_CHECK(
            evictlab::fuzz::starts_with(line, "PASS fuzz.jsonl"), "%s",
            line.c_str());
        break;
      case Kind::kMismatch:
      case Kind::kInvalid:
        EVICTLAB_FUZZ_CHECK(
            evictlab::fuzz::starts_with(line, out.kind == Kind::kMismatch
                                                  ? "FAIL fuzz.jsonl:"
                                                  : "ERROR fuzz.jsonl:"),
            "%s", line.c_str());
        EVICTLAB_FUZZ_CHECK(!out.message.empty(), "no message: %s",
                            line.c_str());
        // An empty input has no line to blame (line 0).
        EVICTLAB_FUZZ_CHECK(
            out.line <= lines &&
                (out.line >= 1 || lines == 0 ||
                 out.message.find("empty") != std::string::npos),
            "line %zu of %zu: %s", out.line, lines, line.c_str());
        break;
    }
  }
  return 0;
}
