// Operation-sequence fuzz harness: the input decodes into puts, hits, pops,
// pins and eviction-candidate requests, applied to every policy of the
// registry (registry.h) over the default dict, puts through the one caller
// loop (caller.h, put_blocking), as a backend drives the evictor.
//
// Input: bytes 0-1 the limit (1..2048 bytes); then per operation an opcode
// byte, a key byte (16 keys) and an argument byte (a size, a count), and for
// a policy that needs the future one more byte (the next access).
//
// After every operation it checks, besides "nothing but the errors below
// escapes":
// - the dict holds exactly the objects the caller stored and did not remove
//   (a shadow map of key -> size);
// - every victim was resident before the put, is not pinned, is not the
//   incoming key (exact policies), and is gone afterwards;
// - occupancy (the sum of stored sizes) <= the limit, for every policy that
//   evicts;
// - exact policies: current_cache_size() == the sum of stored sizes, an
//   ILLEGAL put changes nothing, a put the unpinned entries can make room for
//   is LEGAL, the policy's hit answer is the dict's membership, and at the
//   end its eviction candidates are exactly the unpinned resident keys;
// - the reference LRU fails only as SPEC.md says: KeyNotFoundError (the
//   caller's double pop of a re-put key it was told to evict, a hit or pop
//   of a missing key) and CacheExhaustedError (the walk ran off the end).
//   Its occupancy and `current >= occupancy` are checked until the first
//   StopIteration, negative size, or double pop that leaves victims
//   resident, after which SPEC.md's partial accounting lets `current`
//   undercount (the original then overfills): from there on only the
//   resident-set checks and "no crash".
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "evictlab/caller.h"
#include "evictlab/errors.h"
#include "evictlab/kv_object.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/registry.h"
#include "tests/fuzz/fuzz_check.h"

namespace evictlab::fuzz {
namespace {

using Key = std::uint64_t;
using Dict = DefaultDict::Type<Key, SizedObject>;
constexpr std::size_t kMaxOps = 1024;

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  std::uint8_t next() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  bool done() const { return n_ == 0; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

template <class E, class = void>
inline constexpr bool kHasStorableLimit = false;
template <class E>
inline constexpr bool kHasStorableLimit<
    E, std::void_t<decltype(std::declval<const E&>().max_storable_size())>> =
    true;

template <class Policy>
class Run {
  using Evictor = typename Policy::template Evictor<Dict>;
  static constexpr PolicyTraits kTraits = Policy::kTraits;
  // The policies that own their accounting and take pins (pins.h).
  static constexpr bool kExact = kTraits.exact_accounting && kTraits.evicts;
  static constexpr bool kReference =
      !kTraits.exact_accounting && kTraits.evicts;

 public:
  Run(std::int64_t max)
      : max_(max),
        evictor_(make_evictor<Evictor>(static_cast<double>(max) / 1073741824.0,
                                       PolicyParams{})) {}

  void apply(Bytes& in, std::size_t step) {
    const std::uint8_t op = in.next();
    const Key key = in.next() % 16;
    const std::uint8_t arg = in.next();
    if constexpr (kTraits.needs_future_knowledge) {
      const std::uint8_t b = in.next();
      evictor_.set_next_access(
          b == 255 ? -1 : static_cast<std::int64_t>(step) + 1 + b);
    }
    switch (op % 8) {
      case 0:
      case 1:
      case 2:
        return put(key, decode_size(op, arg));
      case 3:
        return hit(key);
      case 4:
        return get(key);
      case 5:
        return pop(key);
      case 6:
        return toggle_pin(key);
      default:
        return take_candidates(1 + arg % 4);
    }
  }

  // Checks that hold after every operation.
  void check(std::size_t step) const {
    EVICTLAB_FUZZ_CHECK(dict_.size() == stored_.size(),
                        "%s step %zu: dict has %zu keys, %zu stored", name(),
                        step, dict_.size(), stored_.size());
    std::int64_t total = 0;
    for (const auto& [key, size] : stored_) {
      const SizedObject* obj = dict_.find(key);
      EVICTLAB_FUZZ_CHECK(obj != nullptr && obj->size == size,
                          "%s step %zu: key %llu lost or resized", name(), step,
                          static_cast<unsigned long long>(key));
      total += size;
    }
    if constexpr (kExact) {
      EVICTLAB_FUZZ_CHECK(evictor_.current_cache_size() == total,
                          "%s step %zu: current %lld, stored %lld", name(),
                          step,
                          static_cast<long long>(evictor_.current_cache_size()),
                          static_cast<long long>(total));
      EVICTLAB_FUZZ_CHECK(total <= max_, "%s step %zu: %lld bytes over %lld",
                          name(), step, static_cast<long long>(total),
                          static_cast<long long>(max_));
    }
    if constexpr (kReference) {
      if (reference_accounting_holds_) {
        EVICTLAB_FUZZ_CHECK(total <= max_ && evictor_.current_cache_size() >=
                                                 static_cast<double>(total),
                            "%s step %zu: %lld bytes stored, current %.17g, "
                            "limit %lld",
                            name(), step, static_cast<long long>(total),
                            evictor_.current_cache_size(),
                            static_cast<long long>(max_));
      }
    }
  }

  // Exact policies: the policy's own view of what is resident is the
  // dict's: asked for every victim it may give, it names exactly the
  // unpinned resident keys. Empties the cache.
  void finish() {
    if constexpr (kExact) {
      std::vector<Key> cands;
      evictor_.candidates(dict_, stored_.size() + 1, pins_, cands);
      std::vector<Key> want;
      for (const auto& [key, size] : stored_) {
        if (!pins_.pinned(key)) want.push_back(key);
      }
      std::vector<Key> got = cands;
      std::sort(got.begin(), got.end());
      EVICTLAB_FUZZ_CHECK(got == want,
                          "%s: %zu candidates for %zu unpinned resident keys",
                          name(), got.size(), want.size());
      for (const Key key : cands) remove_stored(key);
      EVICTLAB_FUZZ_CHECK(
          evictor_.current_cache_size() == pins_.pinned_bytes(),
          "%s: current %lld after removing every candidate, pinned %lld",
          name(), static_cast<long long>(evictor_.current_cache_size()),
          static_cast<long long>(pins_.pinned_bytes()));
    }
  }

 private:
  static const char* name() { return kTraits.name.data(); }

  // Mostly small sizes; bit 6 of the opcode scales up, bits 6 and 7 make it
  // negative.
  static std::int64_t decode_size(std::uint8_t op, std::uint8_t arg) {
    if ((op & 0xc0) == 0xc0) return -1 - arg % 4;
    return (op & 0x40) != 0 ? std::int64_t{arg} * 8 : std::int64_t{arg};
  }

  std::int64_t storable() const {
    if constexpr (kHasStorableLimit<Evictor>) {
      return evictor_.max_storable_size();
    } else {
      return max_;
    }
  }

  void remove_stored(Key key) {
    const SizedObject value = evictor_.remove(dict_, key);
    EVICTLAB_FUZZ_CHECK(value.size == stored_.at(key),
                        "%s: removed %llu with size %lld, stored %lld", name(),
                        static_cast<unsigned long long>(key),
                        static_cast<long long>(value.size),
                        static_cast<long long>(stored_.at(key)));
    stored_.erase(key);
  }

  void put(Key key, std::int64_t size) {
    const std::map<Key, std::int64_t> before = stored_;
    const std::vector<Key> order = dict_.keys();
    PutStatus status{};
    auto store = [&]() -> SizedObject { return SizedObject{size}; };
    auto dropped = [](SizedObject&&) {};
    if constexpr (kExact) {
      if (pins_.pinned(key)) return;  // the caller unpins before a re-put
      const std::int64_t current = evictor_.current_cache_size();
      status = put_blocking(evictor_, dict_, key, size, scratch_, pins_, store,
                            dropped);
      if (status == PutStatus::kIllegal) {
        EVICTLAB_FUZZ_CHECK(
            dict_.keys() == order && evictor_.current_cache_size() == current,
            "%s: an ILLEGAL put of %lld changed the cache", name(),
            static_cast<long long>(size));
        // Room can be made: the put must go ahead.
        EVICTLAB_FUZZ_CHECK(
            !(size >= 0 && size <= storable() &&
              pins_.pinned_bytes() + size <= max_),
            "%s: put of %lld ILLEGAL with %lld pinned bytes, limit %lld",
            name(), static_cast<long long>(size),
            static_cast<long long>(pins_.pinned_bytes()),
            static_cast<long long>(max_));
        return;
      }
    } else if constexpr (kReference) {
      if (size < 0) reference_accounting_holds_ = false;
      try {
        status =
            put_blocking(evictor_, dict_, key, size, scratch_, store, dropped);
      } catch (const CacheExhaustedError&) {
        // The walk ran off the end: the caller did nothing.
        EVICTLAB_FUZZ_CHECK(dict_.keys() == order,
                            "%s: StopIteration changed the dict", name());
        reference_accounting_holds_ = false;
        return;
      } catch (const KeyNotFoundError&) {
        // The caller's double pop: the re-put key was resident and is
        // among the victims; the removals before the second pop happened,
        // the new object was not stored.
        const auto& v = scratch_.evict_keys;
        EVICTLAB_FUZZ_CHECK(before.count(key) == 1 &&
                                std::find(v.begin(), v.end(), key) != v.end(),
                            "%s: KeyError from a put that evicts no re-put "
                            "key",
                            name());
        for (auto it = stored_.begin(); it != stored_.end();) {
          it = dict_.contains(it->first) ? std::next(it) : stored_.erase(it);
        }
        // The victims after the re-put key stay resident although their
        // sizes were subtracted: from here `current` undercounts.
        for (const Key victim : v) {
          if (dict_.contains(victim)) reference_accounting_holds_ = false;
        }
        return;
      }
      if (status == PutStatus::kIllegal) {
        EVICTLAB_FUZZ_CHECK(size > max_ && dict_.keys() == order,
                            "%s: ILLEGAL put of %lld at limit %lld", name(),
                            static_cast<long long>(size),
                            static_cast<long long>(max_));
        return;
      }
    } else {
      status =
          put_blocking(evictor_, dict_, key, size, scratch_, store, dropped);
      EVICTLAB_FUZZ_CHECK(
          status == PutStatus::kLegal && scratch_.evict_keys.empty(),
          "%s: a policy that never evicts did", name());
    }
    std::vector<Key> seen;
    for (const Key victim : scratch_.evict_keys) {
      EVICTLAB_FUZZ_CHECK(before.count(victim) == 1,
                          "%s: victim %llu was not resident", name(),
                          static_cast<unsigned long long>(victim));
      EVICTLAB_FUZZ_CHECK(
          std::find(seen.begin(), seen.end(), victim) == seen.end(),
          "%s: victim %llu given twice", name(),
          static_cast<unsigned long long>(victim));
      seen.push_back(victim);
      if constexpr (kExact) {
        EVICTLAB_FUZZ_CHECK(!pins_.pinned(victim) && victim != key,
                            "%s: victim %llu is pinned or the incoming key",
                            name(), static_cast<unsigned long long>(victim));
      }
      EVICTLAB_FUZZ_CHECK(victim == key || !dict_.contains(victim),
                          "%s: victim %llu still resident", name(),
                          static_cast<unsigned long long>(victim));
      stored_.erase(victim);
    }
    stored_.erase(key);
    if (dict_.contains(key)) {
      stored_[key] = size;
    } else {
      // Only a policy that declines objects above its storable size may
      // answer LEGAL and not store (s3fifo, SIM-SPEC section 1).
      EVICTLAB_FUZZ_CHECK(kHasStorableLimit<Evictor> && size > storable(),
                          "%s: LEGAL put of %llu (%lld bytes) not stored",
                          name(), static_cast<unsigned long long>(key),
                          static_cast<long long>(size));
    }
  }

  // The simulator's hit path: true exactly when the key is resident.
  void hit(Key key) {
    const bool resident = hit_if_resident(evictor_, dict_, key);
    EVICTLAB_FUZZ_CHECK(resident == (stored_.count(key) == 1),
                        "%s: hit_if_resident(%llu) says %d", name(),
                        static_cast<unsigned long long>(key), resident);
  }

  // update_on_get: a missing key throws iff the traits say so, and a hit
  // changes which keys are resident in no case.
  void get(Key key) {
    const bool resident = stored_.count(key) == 1;
    bool threw = false;
    try {
      evictor_.update_on_get(key, dict_);
    } catch (const KeyNotFoundError&) {
      threw = true;
    }
    EVICTLAB_FUZZ_CHECK(threw == (!resident && kTraits.throws_on_missing_hit),
                        "%s: update_on_get(%llu) resident %d threw %d", name(),
                        static_cast<unsigned long long>(key), resident, threw);
  }

  // A pop through the evictor: KeyNotFoundError for a missing key.
  void pop(Key key) {
    if (pins_.pinned(key)) return;  // the caller unpins before removing
    if (stored_.count(key) == 1) return remove_stored(key);
    bool threw = false;
    try {
      evictor_.remove(dict_, key);
    } catch (const KeyNotFoundError&) {
      threw = true;
    }
    EVICTLAB_FUZZ_CHECK(threw, "%s: pop of missing %llu did not throw", name(),
                        static_cast<unsigned long long>(key));
  }

  void toggle_pin(Key key) {
    if constexpr (kExact) {
      const auto it = stored_.find(key);
      if (it == stored_.end()) return;
      if (pins_.pinned(key)) {
        pins_.unpin(key, it->second);
      } else {
        pins_.pin(key, it->second);
      }
    }
  }

  // LMCache's get_evict_candidates: up to n unpinned resident keys, which
  // the caller then removes.
  void take_candidates(std::size_t n) {
    if constexpr (kExact) {
      std::vector<Key> cands;
      evictor_.candidates(dict_, n, pins_, cands);
      const std::size_t evictable = stored_.size() - pins_.size();
      EVICTLAB_FUZZ_CHECK(cands.size() == std::min(n, evictable),
                          "%s: %zu candidates asked, %zu given, %zu evictable",
                          name(), n, cands.size(), evictable);
      for (std::size_t i = 0; i < cands.size(); ++i) {
        EVICTLAB_FUZZ_CHECK(
            stored_.count(cands[i]) == 1 && !pins_.pinned(cands[i]) &&
                std::find(cands.begin(), cands.begin() + i, cands[i]) ==
                    cands.begin() + i,
            "%s: candidate %llu not resident, pinned or "
            "repeated",
            name(), static_cast<unsigned long long>(cands[i]));
      }
      for (const Key c : cands) remove_stored(c);
    }
  }

  std::int64_t max_;
  Evictor evictor_;
  Dict dict_;
  std::map<Key, std::int64_t> stored_;
  KeySetPins<Key> pins_;
  PutResult<Key> scratch_;
  bool reference_accounting_holds_ = true;
};

}  // namespace
}  // namespace evictlab::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace evictlab::fuzz;
  if (size < 2) return 0;
  const std::int64_t max = 1 + (data[0] | data[1] << 8) % 2048;
  evictlab::for_each_policy([&](auto policy) {
    Bytes in(data + 2, size - 2);
    Run<decltype(policy)> run(max);
    for (std::size_t step = 0; step < kMaxOps && !in.done(); ++step) {
      run.apply(in, step);
      run.check(step);
    }
    run.finish();
  });
  return 0;
}
