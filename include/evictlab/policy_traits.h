// What a policy declares about itself. The benchmark checks, the contract
// suite's reference model, the replayer and the tools ask these instead of
// testing which policy they were given (no `if (name == "lru")` anywhere).
#ifndef EVICTLAB_POLICY_TRAITS_H_
#define EVICTLAB_POLICY_TRAITS_H_

#include <string_view>

namespace evictlab {

// Where a policy whose victims follow the dict's order takes them from.
enum class VictimEnd {
  kNone,    // never evicts, or its victims do not follow the dict's order
  kOldest,  // the dict's front: least recently used (or inserted) first
  kNewest,  // the dict's back: most recently used (or inserted) first
};

constexpr std::string_view victim_end_name(VictimEnd end) {
  switch (end) {
    case VictimEnd::kOldest:
      return "oldest";
    case VictimEnd::kNewest:
      return "newest";
    case VictimEnd::kNone:
      break;
  }
  return "none";
}

struct PolicyTraits {
  // The registry name: benchmark names, trace headers, --policy values.
  std::string_view name;
  // The original it reproduces, and how faithfully.
  std::string_view reproduces;
  // update_on_get makes the key the dict's newest.
  bool promotes_on_hit = false;
  // update_on_get of a key that is not in the dict throws KeyNotFoundError.
  bool throws_on_missing_hit = false;
  // update_on_put may return keys to remove.
  bool evicts = false;
  // update_on_put may answer ILLEGAL (a size above the limit).
  bool may_reject_put = false;
  // Needs the future of the request stream (Belady); the evictor interface
  // cannot serve it without a trace.
  bool needs_future_knowledge = false;
  // Integer accounting owned by the evictor (the caller stores and removes
  // through it): current == the sum of the stored sizes, a re-put key is
  // never its own victim, an unsatisfiable put is ILLEGAL and changes
  // nothing. False: the original's accounting (a double that reserves the
  // incoming size and is never told of removals, see lru_evictor.h).
  bool exact_accounting = false;
  // Which end of the dict victims come from (kNone if not by order), in a
  // cache whose entries have not been hit since they were stored.
  VictimEnd victim_end = VictimEnd::kNone;
  // Hits leave per-entry state besides the dict's order (a counter, a
  // visited bit) that decides later victims: a benchmark that needs
  // victim_end's order rebuilds its cache after hits.
  bool per_entry_hit_state = false;
  // The policy's order is the dict's order (plus per-entry counters), so
  // reordering the dict reorders the policy: a benchmark may undo a put by
  // storing its victims back and moving them to their old end. False for a
  // policy with its own lists, hand or heap.
  bool order_in_dict = false;
};

}  // namespace evictlab

#endif  // EVICTLAB_POLICY_TRAITS_H_
