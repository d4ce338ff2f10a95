// DummyEvictor: port of lmcache's DummyEvictor. Never evicts, tracks nothing.
// Policy `dummy`.
#ifndef EVICTLAB_DUMMY_EVICTOR_H_
#define EVICTLAB_DUMMY_EVICTOR_H_

#include <cstdint>

#include "evictlab/evictor.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict>
class DummyEvictor final : public BaseEvictor<Dict>,
                           public CallerOwnedStorage<Dict> {
 public:
  using key_type = typename Dict::key_type;

  // The limit is ignored (the original takes none).
  explicit DummyEvictor(double /*max_cache_size_gb*/ = 10.0) {}

  // Does nothing, not even for a key that is not in the dict; never promotes.
  // O(1).
  void update_on_get(const key_type& /*key*/, Dict& /*cache_dict*/) override {}

  // Always `([], LEGAL)`, whatever the size (negative or huge). O(1).
  PutResult<key_type> update_on_put(Dict& /*cache_dict*/,
                                    std::int64_t /*cache_size*/) override {
    return {};
  }
  void decide(Dict& /*cache_dict*/, std::int64_t /*cache_size*/,
              const key_type* /*incoming_key*/,
              PutResult<key_type>& result) const {
    result.evict_keys.clear();
    result.status = PutStatus::kLegal;
  }
};

struct DummyPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"dummy",
      /*reproduces=*/"lmcache v0 DummyEvictor (exact)",
      /*promotes_on_hit=*/false,
      /*throws_on_missing_hit=*/false,
      /*evicts=*/false,
      /*may_reject_put=*/false,
      /*needs_future_knowledge=*/false,
      /*exact_accounting=*/false,
      /*victim_end=*/VictimEnd::kNone,
  };
  template <class Dict>
  using Evictor = DummyEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_DUMMY_EVICTOR_H_
