// The one caller loop: how LMCache's local CPU backend drives an evictor on a
// blocking put (lmcache LocalBackend.put). The benchmarks, the trace replayer
// and the tests all put through this function; policies only supply the
// rules (evictor.h: decide / store / remove).
//
//   1. ask the evictor (`decide`, i.e. update_on_put, told the incoming key);
//   2. on ILLEGAL, drop the put: nothing changes;
//   3. remove an existing `key`;
//   4. remove every evicted key, in the order given;
//   5. store the new object.
//
// put_best_effort (below) is the KV simulator's variant: its victims are
// removed even when the block cannot be stored (SIM-SPEC section 5).
//
// Under reference policies a key that is both evicted and re-put is removed
// twice, which throws KeyNotFoundError at step 4, exactly as the original's
// caller does (steps before it have happened; the new object is not stored).
//
// NOT thread-safe: one caller at a time per evictor and dict.
#ifndef EVICTLAB_CALLER_H_
#define EVICTLAB_CALLER_H_

#include <cstdint>
#include <type_traits>
#include <utility>

#include "evictlab/evictor.h"
#include "evictlab/pins.h"

namespace evictlab {

// The general form. `on_removed(V&&)` receives every object the put removes
// (the old object of `key` first, then the victims'), and `make_value()` is
// called once, after the removals, for the object to store — so a caller can
// recycle a removed object (the benchmarks keep memory flat that way). Let
// `make_value` return `V&&` to an object of the caller's: the store then moves
// from it directly (returning a V by value costs a move and a destruction per
// put, +40 instructions on a 350-instruction put, measured by scripts/gate).
// `scratch` holds the evictor's answer afterwards. Returns its status.
// `pins` (pins.h): keys the evictor must not choose as victims.
template <class Evictor, class Dict, class Pins, class MakeValue,
          class OnRemoved>
PutStatus put_blocking(Evictor& evictor, Dict& dict,
                       const typename Dict::key_type& key, std::int64_t size,
                       PutResult<typename Dict::key_type>& scratch,
                       const Pins& pins, MakeValue&& make_value,
                       OnRemoved&& on_removed) {
  if constexpr (std::is_same_v<Pins, NoPins>) {
    evictor.decide(dict, size, &key, scratch);
  } else {
    evictor.decide(dict, size, &key, scratch, pins);
  }
  if (scratch.status == PutStatus::kIllegal) return scratch.status;
  if (dict.contains(key)) on_removed(evictor.remove(dict, key));
  for (const auto& evicted : scratch.evict_keys) {
    on_removed(evictor.remove(dict, evicted));
  }
  evictor.store(dict, key, make_value());
  return scratch.status;
}

// Without pins.
template <class Evictor, class Dict, class MakeValue, class OnRemoved>
PutStatus put_blocking(Evictor& evictor, Dict& dict,
                       const typename Dict::key_type& key, std::int64_t size,
                       PutResult<typename Dict::key_type>& scratch,
                       MakeValue&& make_value, OnRemoved&& on_removed) {
  return put_blocking(evictor, dict, key, size, scratch, NoPins{},
                      std::forward<MakeValue>(make_value),
                      std::forward<OnRemoved>(on_removed));
}

// Whether an evictor's miss path reads the incoming key even when it is not
// in the dict (ghost lists: arc, s3fifo declare kMissLookupUsesKey = true).
template <class E, class = void>
inline constexpr bool kMissLookupUsesKey = false;
template <class E>
inline constexpr bool
    kMissLookupUsesKey<E, std::void_t<decltype(E::kMissLookupUsesKey)>> =
        E::kMissLookupUsesKey;

// put_blocking for a key the caller knows is absent (the simulator's miss
// path, right after a failed hit_if_resident): step 3 is skipped, and the
// evictor is told "a key not in the dict" (a null key) unless its miss path
// needs the key itself, which saves it a lookup. Same result as
// put_blocking. REQUIRES: !dict.contains(key).
template <class Evictor, class Dict, class MakeValue>
PutStatus put_new(Evictor& evictor, Dict& dict,
                  const typename Dict::key_type& key, std::int64_t size,
                  PutResult<typename Dict::key_type>& scratch,
                  MakeValue&& make_value) {
  evictor.decide(dict, size, kMissLookupUsesKey<Evictor> ? &key : nullptr,
                 scratch);
  if (scratch.status == PutStatus::kIllegal) return scratch.status;
  for (const auto& evicted : scratch.evict_keys) evictor.remove(dict, evicted);
  evictor.store(dict, key, make_value());
  return scratch.status;
}

// SIM-SPEC section 5's store of a missing KV block: section 1's miss path
// with `pins` never victims, best effort. The evictor's decide_best_effort
// (evictor.h) chooses victims one at a time exactly as section 1's loop
// does; they are removed here whatever the outcome, because those evictions
// happened. On LEGAL the object is stored; on ILLEGAL it is not (no
// unpinned victim was left while it still did not fit, or the policy never
// admits its size, in which case nothing was evicted). Unlike put_blocking
// with pins, whose ILLEGAL changes nothing (LMCache's all-or-nothing put),
// an ILLEGAL here may have evicted: `scratch.evict_keys` lists the removed
// victims either way. The evictor is told the key only if its miss path
// reads it (kMissLookupUsesKey), as put_new does.
// REQUIRES: !dict.contains(key); every key `pins` pins is resident.
// O(what decide_best_effort costs + one remove per victim + one store).
template <class Evictor, class Dict, class Pins, class MakeValue>
PutStatus put_best_effort(Evictor& evictor, Dict& dict,
                          const typename Dict::key_type& key, std::int64_t size,
                          PutResult<typename Dict::key_type>& scratch,
                          const Pins& pins, MakeValue&& make_value) {
  evictor.decide_best_effort(
      dict, size, kMissLookupUsesKey<Evictor> ? &key : nullptr, scratch, pins);
  for (const auto& evicted : scratch.evict_keys) evictor.remove(dict, evicted);
  if (scratch.status == PutStatus::kIllegal) return scratch.status;
  evictor.store(dict, key, make_value());
  return scratch.status;
}

// Stores `value`, dropping whatever the put removes.
template <class Evictor, class Dict, class V>
PutStatus put_blocking(Evictor& evictor, Dict& dict,
                       const typename Dict::key_type& key, V value,
                       std::int64_t size,
                       PutResult<typename Dict::key_type>& scratch) {
  return put_blocking(
      evictor, dict, key, size, scratch,
      [&]() -> V&& { return std::move(value); }, [](auto&&) {});
}

// Stores `value` with pins, dropping whatever the put removes.
template <class Evictor, class Dict, class V, class Pins>
PutStatus put_blocking(Evictor& evictor, Dict& dict,
                       const typename Dict::key_type& key, V value,
                       std::int64_t size,
                       PutResult<typename Dict::key_type>& scratch,
                       const Pins& pins) {
  return put_blocking(
      evictor, dict, key, size, scratch, pins,
      [&]() -> V&& { return std::move(value); }, [](auto&&) {});
}

}  // namespace evictlab

#endif  // EVICTLAB_CALLER_H_
