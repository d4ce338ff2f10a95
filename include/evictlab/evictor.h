// The evictor interface: port of lmcache's BaseEvictor and PutStatus.
//
// An evictor decides; the caller acts. `update_on_put` is called *before* the
// caller stores a new object of `cache_size` bytes and returns the keys the
// caller must remove; the evictor never touches the dict except to reorder it
// (`update_on_get`). The dict type is a template parameter so that the same
// policy runs over every dict of the registry (dicts.h).
//
// Besides BaseEvictor's virtual interface, every evictor of the registry
// offers the three calls of the one caller loop (caller.h), non-virtual:
//   void decide(Dict&, std::int64_t size, const key_type* incoming_key,
//               PutResult<key_type>& result);   // update_on_put, reusing
//                                               // `result` (key may be null)
//   void store(Dict&, const key_type&, mapped_type);  // d[key] = value
//   mapped_type remove(Dict&, const key_type&);       // d.pop(key)
// and is constructible from `double max_cache_size_gb`. Every evicting
// evictor also offers, for the KV simulator (caller.h put_best_effort):
//   template <class Pins>
//   void decide_best_effort(Dict&, std::int64_t size,
//                           const key_type* incoming_key,
//                           PutResult<key_type>& result, const Pins& pins);
// SIM-SPEC section 1's miss path with pinned keys never victims (section
// 5), best effort. Where decide with pins would answer LEGAL, it gives the
// same victims and the same side effects. Where the unpinned entries cannot
// make room, decide answers ILLEGAL and changes nothing; decide_best_effort
// instead chooses victims one at a time exactly as section 1's loop would,
// with every side effect of each eviction in that policy (ghost entries,
// adaptation, reinsertions, hand and bit movement), until no unpinned
// victim remains, and answers ILLEGAL with `result.evict_keys` holding them
// in eviction order: the caller must remove them and must not store. A size
// the policy never admits (negative, above the limit, s3fifo's above |S|)
// is ILLEGAL with no victims (section 1: nothing is evicted), after the
// miss lookup's own effects (a ghost hit). `incoming_key` is read only by
// policies whose miss lookup needs it (kMissLookupUsesKey) and may be null.
// REQUIRES: the incoming key is not resident. Reference-family
// evictors, whose caller mutates the dict behind their back as in the
// original, inherit store/remove from CallerOwnedStorage.
//
// Thread-compatibility: NOT thread-safe; one caller at a time per evictor and
// dict (the reference backends lock around every call).
#ifndef EVICTLAB_EVICTOR_H_
#define EVICTLAB_EVICTOR_H_

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "evictlab/kv_object.h"

namespace evictlab {

// Port of lmcache PutStatus.
enum class PutStatus : int { kLegal = 1, kIllegal = 2 };

// "LEGAL" / "ILLEGAL", the original's enum member names.
constexpr std::string_view put_status_name(PutStatus status) {
  return status == PutStatus::kLegal ? "LEGAL" : "ILLEGAL";
}

// What update_on_put returns: `(evict_keys, status)`.
template <class K>
struct PutResult {
  std::vector<K> evict_keys;
  PutStatus status = PutStatus::kLegal;
};

// Port of BaseEvictor (lmcache). `Dict` is any dict of dicts.h.
template <class Dict>
class BaseEvictor {
 public:
  using key_type = typename Dict::key_type;
  using DictType = Dict;

  virtual ~BaseEvictor() = default;

  // Called on a cache hit of `key`. Whether it promotes, and whether a miss
  // is an error, is each policy's contract.
  virtual void update_on_get(const key_type& key, Dict& cache_dict) = 0;

  // Called before the caller stores an object of `cache_size` bytes. Returns
  // the keys the caller must remove, oldest first, and whether the put may go
  // ahead at all (ILLEGAL: drop it).
  virtual PutResult<key_type> update_on_put(Dict& cache_dict,
                                            std::int64_t cache_size) = 0;

  // Port of BaseEvictor.get_size: see kv_object.h.
  static std::int64_t get_size(const KVObject& kv_obj) {
    return evictlab::get_size(kv_obj);
  }
};

// Whether a dict offers move_to_end_if_present (ordered_dict.h does).
template <class D, class = void>
inline constexpr bool kHasMoveToEndIfPresent = false;
template <class D>
inline constexpr bool kHasMoveToEndIfPresent<
    D, std::void_t<decltype(std::declval<D&>().move_to_end_if_present(
           std::declval<const typename D::key_type&>()))>> = true;

// Whether an evictor keeps `current_cache_size()` (dummy keeps none).
template <class E, class = void>
inline constexpr bool kKeepsCurrentSize = false;
template <class E>
inline constexpr bool kKeepsCurrentSize<
    E, std::void_t<decltype(std::declval<const E&>().current_cache_size())>> =
    true;

// `d.move_to_end(key)` if `key` is present, returning whether it was: one
// probe on a dict that offers move_to_end_if_present, else two.
template <class Dict>
bool move_to_end_if_present(Dict& dict, const typename Dict::key_type& key) {
  if constexpr (kHasMoveToEndIfPresent<Dict>) {
    return dict.move_to_end_if_present(key);
  } else {
    if (!dict.contains(key)) return false;
    dict.move_to_end(key);
    return true;
  }
}

// The simulator's hit path (sim/replay.h): if `key` is resident, applies the
// policy's hit rule (update_on_get) and returns true; else changes nothing
// and returns false. An evictor may offer `bool hit(Dict&, const key_type&)`
// doing both with one lookup of its own table; otherwise the dict is asked.
template <class E, class = void>
inline constexpr bool kHasHit = false;
template <class E>
inline constexpr bool
    kHasHit<E, std::void_t<decltype(std::declval<E&>().hit(
                   std::declval<typename E::DictType&>(),
                   std::declval<const typename E::key_type&>()))>> = true;

template <class Evictor, class Dict>
bool hit_if_resident(Evictor& evictor, Dict& dict,
                     const typename Dict::key_type& key) {
  if constexpr (kHasHit<Evictor>) {
    return evictor.hit(dict, key);
  } else {
    if (!dict.contains(key)) return false;
    evictor.update_on_get(key, dict);
    return true;
  }
}

// store/remove for evictors that are never told of the caller's mutations
// (the original's contract): they go straight to the dict.
template <class Dict>
struct CallerOwnedStorage {
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;
  template <class V>
  static void store(Dict& cache_dict, const key_type& key, V&& value) {
    cache_dict.set(key, std::forward<V>(value));
  }
  static mapped_type remove(Dict& cache_dict, const key_type& key) {
    return cache_dict.pop(key);
  }
};

}  // namespace evictlab

#endif  // EVICTLAB_EVICTOR_H_
