// StrictLRUEvictor: the LRU policy without the original's flaws. Policy
// `lru_strict`; the body is internal::OrderedEvictor, shared with fifo and
// mru.
//
// Differences from LRUEvictor (reference mode), each observable:
// - Integer byte accounting: `current_cache_size()` is an int64.
// - The evictor owns the sizes: the caller stores and removes objects through
//   `set`/`store` and `pop`/`remove` (which forward to the dict), so
//   `current_cache_size()` always equals the sum of `get_size` over the stored
//   objects. Overwriting a key replaces its size instead of adding to it (no
//   drift).
// - `update_on_put` only decides; it changes no state. Accounting happens when
//   the caller actually stores (`set`) and removes (`pop`) objects.
// - Told the incoming key, `update_on_put` counts the bytes its old object
//   will free and never returns that key: a re-put key is never both evicted
//   and kept (no caller double-pop).
// - A put that cannot be satisfied, a negative size, or a size above the
//   limit returns `([], ILLEGAL)` and changes nothing; it never throws
//   half-way.
// - It evicts exactly as many oldest keys as needed and no more.
// - `set` rejects an object of negative size (std::invalid_argument) or of an
//   unsupported type (UnknownKVTypeError) before changing anything.
//
// REQUIRES: every mutation of the dict goes through `set`/`pop` of the same
// evictor, and a stored object's size does not change while it is stored.
// `set` does not check the limit: call `update_on_put` first.
//
// NOT thread-safe.
#ifndef EVICTLAB_STRICT_LRU_EVICTOR_H_
#define EVICTLAB_STRICT_LRU_EVICTOR_H_

#include "evictlab/internal/ordered_evictor.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict>
using StrictLRUEvictor =
    internal::OrderedEvictor<Dict, /*kPromoteOnHit=*/true, VictimEnd::kOldest>;

struct StrictLRUPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"lru_strict",
      /*reproduces=*/"lmcache v0 LRUEvictor's order, exact accounting",
      /*promotes_on_hit=*/true,
      /*throws_on_missing_hit=*/true,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/true,
      /*victim_end=*/VictimEnd::kOldest,
      /*per_entry_hit_state=*/false,
      /*order_in_dict=*/true,
  };
  template <class Dict>
  using Evictor = StrictLRUEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_STRICT_LRU_EVICTOR_H_
