// MRUEvictor: most recently used first, as LMCache v1's MRUCachePolicy
// defines it. Policy `mru`.
//
// - A hit promotes the key to newest (`move_to_end`; KeyNotFoundError for a
//   key that is absent, dict unchanged).
// - The victims are the most recently inserted or hit keys, newest first
//   (v1 walks `reversed(cache_dict.items())`), as many as the incoming object
//   needs.
// - Exact accounting, never its own victim, ILLEGAL above the limit or when
//   the put cannot be satisfied: internal::OrderedEvictor's contract.
//
// NOT thread-safe.
#ifndef EVICTLAB_MRU_EVICTOR_H_
#define EVICTLAB_MRU_EVICTOR_H_

#include "evictlab/internal/ordered_evictor.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict>
using MRUEvictor =
    internal::OrderedEvictor<Dict, /*kPromoteOnHit=*/true, VictimEnd::kNewest>;

struct MRUPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"mru",
      /*reproduces=*/"lmcache v1 MRUCachePolicy, in bytes",
      /*promotes_on_hit=*/true,
      /*throws_on_missing_hit=*/true,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/true,
      /*victim_end=*/VictimEnd::kNewest,
      /*per_entry_hit_state=*/false,
      /*order_in_dict=*/true,
  };
  template <class Dict>
  using Evictor = MRUEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_MRU_EVICTOR_H_
