// DummyEvictor: port of lmcache's DummyEvictor. Never evicts, tracks nothing.
#ifndef EVICTLAB_DUMMY_EVICTOR_H_
#define EVICTLAB_DUMMY_EVICTOR_H_

#include <cstdint>

#include "evictlab/evictor.h"

namespace evictlab {

template <class Dict>
class DummyEvictor final : public BaseEvictor<Dict> {
 public:
  using key_type = typename Dict::key_type;

  // Does nothing, not even for a key that is not in the dict; never promotes.
  // O(1).
  void update_on_get(const key_type& /*key*/, Dict& /*cache_dict*/) override {}

  // Always `([], LEGAL)`, whatever the size (negative or huge). O(1).
  PutResult<key_type> update_on_put(Dict& /*cache_dict*/,
                                    std::int64_t /*cache_size*/) override {
    return {};
  }
};

}  // namespace evictlab

#endif  // EVICTLAB_DUMMY_EVICTOR_H_
