// Replaying golden traces (format: ../shared/SPEC.md, "Golden traces").
//
// A trace is JSON Lines: a header line naming the policy and the limit, then
// one primitive operation per line with the outcome the original produced.
// The replayer applies every operation, in order, to one evictor and one
// OrderedDict<Key, KVObject>, and compares every recorded field.
//
// Thread-compatible: each call builds its own state.
#ifndef EVICTLAB_TRACE_REPLAY_H_
#define EVICTLAB_TRACE_REPLAY_H_

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

namespace evictlab {

// Which port replays the trace. `kReference` must reproduce a golden trace
// exactly; `kStrict` replays it through StrictLRUEvictor to show where the
// flaw-free port departs from the original (a mismatch there is expected).
enum class ReplayMode { kReference, kStrict };

struct ReplayOutcome {
  enum class Kind {
    kPass,      // every recorded field matched
    kMismatch,  // a well-formed line whose outcome differs
    kInvalid,   // malformed input: unreadable file, bad JSON, bad field
  };
  Kind kind = Kind::kPass;
  std::string file;
  std::size_t line = 0;        // 1-based line of the mismatch or error;
                               // 0 for a file-level error (unreadable,
                               // empty)
  std::string op;              // the operation on that line, if known
  std::string message;         // what differs or what is wrong
  std::size_t operations = 0;  // operation lines applied (header excluded)

  bool passed() const { return kind == Kind::kPass; }
  // One line for people: `PASS file (N ops)`, `FAIL file:line: op: message`,
  // `ERROR file:line: op: message`, or `ERROR file: message` (line 0).
  std::string describe() const;
};

// Replays the trace read from `in`; `name` is used in messages.
// Never throws for bad input: every problem becomes a kInvalid outcome.
ReplayOutcome replay_trace(std::istream& in, std::string_view name,
                           ReplayMode mode = ReplayMode::kReference);

// Replays the file at `path` (kInvalid if it cannot be opened).
ReplayOutcome replay_trace_file(const std::string& path,
                                ReplayMode mode = ReplayMode::kReference);

}  // namespace evictlab

#endif  // EVICTLAB_TRACE_REPLAY_H_
