// FIFOEvictor: first in, first out, as LMCache v1's FIFOCachePolicy defines
// it. Policy `fifo`.
//
// - A hit does nothing (no promotion, no error for a key that is absent).
// - The victims are the oldest inserted keys, in insertion order, as many as
//   the incoming object needs. The caller loop (caller.h) removes a re-put
//   key before storing it again, so a re-put key counts as newly inserted.
// - Exact accounting, never its own victim, ILLEGAL above the limit or when
//   the put cannot be satisfied: internal::OrderedEvictor's contract.
//
// NOT thread-safe.
#ifndef EVICTLAB_FIFO_EVICTOR_H_
#define EVICTLAB_FIFO_EVICTOR_H_

#include "evictlab/internal/ordered_evictor.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict>
using FIFOEvictor =
    internal::OrderedEvictor<Dict, /*kPromoteOnHit=*/false, VictimEnd::kOldest>;

struct FIFOPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"fifo",
      /*reproduces=*/"lmcache v1 FIFOCachePolicy, in bytes",
      /*promotes_on_hit=*/false,
      /*throws_on_missing_hit=*/false,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/true,
      /*victim_end=*/VictimEnd::kOldest,
      /*per_entry_hit_state=*/false,
      /*order_in_dict=*/true,
  };
  template <class Dict>
  using Evictor = FIFOEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_FIFO_EVICTOR_H_
