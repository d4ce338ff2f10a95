// BeladyEvictor: the offline optimum (MIN), SIM-SPEC section 3 and 4. Policy
// `belady`.
//
// - The victim is the resident object whose next access is farthest in the
//   future; objects never accessed again (+infinity) go first. Finite next
//   accesses are request indices, so two resident objects never share one;
//   among the +infinity objects, which SIM-SPEC leaves open, the most
//   recently stamped (inserted or hit) goes first. (On the shipped
//   cloudPhysics trace either order gives libCacheSim's counts exactly;
//   tests/belady_test.cc pins this one.)
// - The future comes from the caller: `set_next_access(i)` before each
//   request gives that request's next access (the index of the next request
//   for the same object, -1 for none). A hit then moves the object's next
//   access to it; a store gives it to the new object. Without calls every
//   object is +infinity, and Belady degenerates to "newest first".
// - Exact accounting, a re-put key is never its own victim, pins are never
//   victims, ILLEGAL above the limit or when the evictable bytes cannot make
//   room (nothing changes): as the other exact policies. decide_best_effort
//   (the KV simulator's) instead evicts every unpinned object, farthest
//   first, and answers ILLEGAL with them.
//
// State: a slot (key, next access, stamp, size) per resident object, a
// binary max-heap of (next access, stamp, slot) for the finite next
// accesses, and a stack of (stamp, slot) for the +infinity ones, both with
// lazy deletion: a hit or store pushes a new entry (a +infinity one onto
// the stack, a finite one into the heap) and leaves the old one stale (its
// stamp no longer matches); a victim search pops stale entries. A victim
// search takes the stack's top live entry if there is one, else the
// heap's. Stamps only grow, so the stack is in stamp order by
// construction: its top is the newest-stamped +infinity object, the one
// the heap's order put first when it held them too. WHY a stack: in the KV
// simulator most stored blocks are never used again, and each one was the
// heap's new maximum, sifted all the way up on its store and all the way
// down on its eviction; on the stack both are O(1). Entries hold no key,
// so a hit copies none. When the heap and the stack together hold more
// than twice the resident count, both drop their stale entries in place
// (the heap is re-heapified, the stack keeps its order), so together they
// stay within 2x the resident count and stop growing in steady state (no
// allocation per operation). The slots are an array indexed by the
// dict's entry number over the flat dicts (one probe of the dict finds a
// key's slot); over the node and naive dicts, a side table key -> slot
// over a slab with a free list.
//
// Complexity: a hit or store of a +infinity object O(1) amortized; of a
// finite one O(log n) worst case (a heap push; O(1) on average for random
// next accesses). A victim O(1) amortized while +infinity objects are
// left, else O(log n) amortized. With pins, each pinned entry atop the
// stack or the heap costs a pop and a push back per search, except in
// decide_best_effort under a Pins with unpin_epoch() (the KV simulator's),
// which sets such entries aside until a key is unpinned: then once per
// request rather than once per victim (see keep_aside); the stack's
// entries set aside go back by one merge, linear in them and in the
// entries pushed since. NOT thread-safe.
#ifndef EVICTLAB_BELADY_EVICTOR_H_
#define EVICTLAB_BELADY_EVICTOR_H_

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "evictlab/cache_limit.h"
#include "evictlab/errors.h"
#include "evictlab/evictor.h"
#include "evictlab/internal/entry_state.h"
#include "evictlab/key.h"
#include "evictlab/pins.h"
#include "evictlab/policy_params.h"
#include "evictlab/policy_traits.h"

namespace evictlab {

template <class Dict>
class BeladyEvictor final : public BaseEvictor<Dict> {
 public:
  using key_type = typename Dict::key_type;
  using mapped_type = typename Dict::mapped_type;
  static constexpr std::int64_t kNever =
      std::numeric_limits<std::int64_t>::max();

  explicit BeladyEvictor(double max_cache_size_gb = 10.0,
                         const PolicyParams& params = {})
      : max_cache_size_(max_bytes_from_gb(max_cache_size_gb)) {
    if (max_cache_size_ < 0) {
      throw ConfigError(
          "max_cache_size_gb",
          fmt::format("must not be negative, got {}", max_cache_size_gb));
    }
    params.check_all_used({});
  }

  // The current request's next access: a request index, or < 0 for none.
  void set_next_access(std::int64_t next_access) {
    pending_next_ = next_access < 0 ? kNever : next_access;
  }

  // The object's next access becomes the current request's. O(log n).
  void update_on_get(const key_type& key, Dict& cache_dict) override {
    hit(cache_dict, key);
  }

  // The simulator's hit path (evictor.h hit_if_resident): the slots cover
  // exactly the resident keys, so one lookup is the hit test.
  bool hit(Dict& cache_dict, const key_type& key) {
    const std::uint32_t s = slot_of(cache_dict, key);
    if (s == kNoSlot) return false;
    Slot& slot = slots_[s];
    slot.next = pending_next_;
    slot.stamp = ++stamp_;
    push(cache_dict, s);
    return true;
  }

  PutResult<key_type> update_on_put(Dict& cache_dict,
                                    std::int64_t cache_size) override {
    PutResult<key_type> result;
    decide(cache_dict, cache_size, nullptr, result);
    return result;
  }

  template <class Pins = NoPins>
  void decide(Dict& cache_dict, std::int64_t cache_size,
              const key_type* incoming_key, PutResult<key_type>& result,
              const Pins& pins = Pins{}) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    const mapped_type* old =
        incoming_key ? cache_dict.find(*incoming_key) : nullptr;
    const std::int64_t old_size = old ? evictlab::get_size(*old) : 0;
    __int128 excess = static_cast<__int128>(current_cache_size_) - old_size +
                      cache_size - max_cache_size_;
    if (excess <= 0) {
      result.status = PutStatus::kLegal;
      return;
    }
    const bool old_pinned = old != nullptr && pins.pinned(*incoming_key);
    const __int128 freeable = static_cast<__int128>(current_cache_size_) -
                              pins.pinned_bytes() - (old_pinned ? 0 : old_size);
    if (excess > freeable) return;
    take_back_aside(pins);
    while (excess > 0) {
      const std::uint32_t victim =
          next_victim(cache_dict, old ? incoming_key : nullptr, pins);
      excess -= slots_[victim].size;
      result.evict_keys.push_back(slot_key(cache_dict, victim));
    }
    restore_skipped();
    result.status = PutStatus::kLegal;
  }

  // The KV simulator's miss path (evictor.h decide_best_effort): victims
  // farthest first, without the up-front check; when no unpinned object is
  // left, ILLEGAL with the victims chosen so far.
  template <class Pins>
  void decide_best_effort(Dict& cache_dict, std::int64_t cache_size,
                          const key_type* /*incoming_key*/,
                          PutResult<key_type>& result, const Pins& pins) {
    result.evict_keys.clear();
    result.status = PutStatus::kIllegal;
    if (cache_size < 0 || cache_size > max_cache_size_) return;
    __int128 excess = static_cast<__int128>(current_cache_size_) + cache_size -
                      max_cache_size_;
    take_back_aside(pins);  // before keep_aside re-stamps what is aside
    while (excess > 0) {
      const std::uint32_t victim = next_victim(cache_dict, nullptr, pins);
      if (victim == kNoSlot) break;
      excess -= slots_[victim].size;
      result.evict_keys.push_back(slot_key(cache_dict, victim));
    }
    keep_aside(pins);
    if (excess <= 0) result.status = PutStatus::kLegal;
  }

  // Up to n victims, farthest next access first; fewer when fewer objects
  // are evictable. The caller removes them all before the next call.
  template <class Pins = NoPins>
  void candidates(Dict& cache_dict, std::size_t n, const Pins& pins,
                  std::vector<key_type>& out) {
    out.clear();
    take_back_aside(pins);
    while (out.size() < n) {
      const std::uint32_t victim = next_victim(cache_dict, nullptr, pins);
      if (victim == kNoSlot) break;
      out.push_back(slot_key(cache_dict, victim));
    }
    restore_skipped();
  }

  void store(Dict& cache_dict, const key_type& key, mapped_type value) {
    const std::int64_t new_size = evictlab::get_size(value);
    if (new_size < 0) {
      throw std::invalid_argument(
          fmt::format("store: object of negative size {}", new_size));
    }
    std::int64_t old_size = 0;
    std::uint32_t s = kNoSlot;
    if constexpr (kByEntry) {
      // The dict's entry number is the slot: no table of our own.
      if (const auto e = cache_dict.find_entry(key); e != Dict::kNoEntry) {
        mapped_type& stored = cache_dict.value_of(e);
        old_size = evictlab::get_size(stored);
        stored = std::move(value);
        s = e;
      } else {
        s = cache_dict.insert_or_assign(key, std::move(value)).first;
        if (s >= slots_.size()) {
          try {
            slots_.resize(cache_dict.entry_limit());
          } catch (...) {
            cache_dict.erase(key);  // the dict is as it was
            throw;
          }
        }
      }
    } else {
      const mapped_type* old = cache_dict.find(key);
      old_size = old ? evictlab::get_size(*old) : 0;
      cache_dict.set(key, std::move(value));
      auto [it, inserted] = index_.try_emplace(key, kNoSlot);
      if (inserted) {
        if (free_.empty()) {
          it->second = static_cast<std::uint32_t>(slots_.size());
          slots_.push_back(Slot{{0, 0, 0}, key});
        } else {
          it->second = free_.back();
          free_.pop_back();
          slots_[it->second].key = key;
        }
      }
      s = it->second;
    }
    current_cache_size_ += new_size - old_size;
    Slot& slot = slots_[s];
    slot.next = pending_next_;
    slot.stamp = ++stamp_;
    slot.size = new_size;
    push(cache_dict, s);
  }

  mapped_type remove(Dict& cache_dict, const key_type& key) {
    if constexpr (kByEntry) {
      const auto e = cache_dict.find_entry(key);
      mapped_type value = cache_dict.pop(key);  // throws if absent
      slots_[e].stamp = 0;  // its heap entries are stale now
      current_cache_size_ -= evictlab::get_size(value);
      return value;
    } else {
      mapped_type value = cache_dict.pop(key);
      if (auto it = index_.find(key); it != index_.end()) {
        slots_[it->second].stamp = 0;  // its heap entries are stale now
        free_.push_back(it->second);
        index_.erase(it);
      }
      current_cache_size_ -= evictlab::get_size(value);
      return value;
    }
  }

  std::int64_t max_cache_size() const { return max_cache_size_; }
  std::int64_t current_cache_size() const { return current_cache_size_; }

 private:
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};
  // Over the flat dicts a slot is the dict's entry number
  // (internal/entry_state.h); over the others, a side table maps keys to
  // slots of a slab with a free list.
  static constexpr bool kByEntry = internal::kHasEntryNumbers<Dict>;
  std::uint32_t slot_of(const Dict& cache_dict, const key_type& key) const {
    if constexpr (kByEntry) {
      const auto e = cache_dict.find_entry(key);
      return e != Dict::kNoEntry ? static_cast<std::uint32_t>(e) : kNoSlot;
    } else {
      const auto it = index_.find(key);
      return it != index_.end() ? it->second : kNoSlot;
    }
  }
  // One resident object. `stamp` 0: free, or chosen as a victim. Over the
  // flat dicts the key is the dict's (key_of the entry number).
  struct Times {
    std::int64_t next;
    std::uint64_t stamp;
    std::int64_t size;
  };
  struct KeyedSlot : Times {
    key_type key;
  };
  using Slot = std::conditional_t<kByEntry, Times, KeyedSlot>;
  const key_type& slot_key(const Dict& cache_dict, std::uint32_t s) const {
    if constexpr (kByEntry) {
      return cache_dict.key_of(s);
    } else {
      (void)cache_dict;
      return slots_[s].key;
    }
  }
  struct Entry {
    std::int64_t next;
    std::uint64_t stamp;
    std::uint32_t slot;
  };
  // Max-heap order: the farthest next access on top; a finite next access
  // may be shared (a KV request's blocks share their next request), and
  // then the newest stamp. A function object, so that the heap algorithms
  // inline it.
  struct Below {
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.next != b.next) return a.next < b.next;
      return a.stamp < b.stamp;
    }
  };
  // A +infinity object's entry on the stack; live while its stamp is the
  // slot's (a stamp is pushed once, so a live entry's slot is +infinity).
  struct NeverEntry {
    std::uint64_t stamp;
    std::uint32_t slot;
  };
  bool live(const NeverEntry& e) const {
    return slots_[e.slot].stamp == e.stamp;
  }

  // REQUIRES: `slot` is resident (so cache_dict.size() counts it).
  void push(const Dict& cache_dict, std::uint32_t slot) {
    if (heap_.size() + never_.size() >= 2 * cache_dict.size() + 64) {
      compact();
    }
    const Times& t = slots_[slot];
    if (t.next == kNever) {
      // The newest stamp: the stack stays in stamp order.
      never_.push_back(NeverEntry{t.stamp, slot});
    } else {
      heap_.push_back(Entry{t.next, t.stamp, slot});
      std::push_heap(heap_.begin(), heap_.end(), Below{});
    }
  }
  // Both drop their stale entries in place; the heap is then re-heapified
  // (the live (next, stamp) pairs are all distinct, so the order it is
  // rebuilt in never changes which victim comes out) and the stack keeps
  // its order. Entries set aside stay aside. O(heap + stack), no
  // allocation.
  void compact() {
    heap_.erase(std::remove_if(heap_.begin(), heap_.end(),
                               [&](const Entry& e) {
                                 return slots_[e.slot].stamp != e.stamp;
                               }),
                heap_.end());
    std::make_heap(heap_.begin(), heap_.end(), Below{});
    never_.erase(std::remove_if(never_.begin(), never_.end(),
                                [&](const NeverEntry& e) { return !live(e); }),
                 never_.end());
  }

  // Pops the stack, then the heap, down to the farthest live, evictable
  // entry and pops that too; returns its slot (marked chosen: stamp 0, so
  // it is not found again before the caller removes it), or kNoSlot when
  // none is left. Live entries passed over (pinned, or the incoming key)
  // wait in `never_skipped_` and `skipped_`.
  template <class Pins>
  std::uint32_t next_victim(const Dict& cache_dict, const key_type* incoming,
                            const Pins& pins) {
    auto passed_over = [&](std::uint32_t s) {
      const key_type& key = slot_key(cache_dict, s);
      return (incoming != nullptr && key == *incoming) || pins.pinned(key);
    };
    while (!never_.empty()) {
      const NeverEntry top = never_.back();
      never_.pop_back();
      if (!live(top)) continue;
      if (passed_over(top.slot)) {
        never_skipped_.push_back(top);
        continue;
      }
      slots_[top.slot].stamp = 0;
      return top.slot;
    }
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), Below{});
      const Entry top = heap_.back();
      heap_.pop_back();
      Slot& slot = slots_[top.slot];
      if (slot.stamp != top.stamp) continue;  // stale
      if (passed_over(top.slot)) {
        skipped_.push_back(top);
        continue;
      }
      slot.stamp = 0;
      return top.slot;
    }
    return kNoSlot;
  }
  void restore_skipped() {
    for (const Entry& e : skipped_) {
      heap_.push_back(e);
      std::push_heap(heap_.begin(), heap_.end(), Below{});
    }
    skipped_.clear();
    restore_never_skipped();
    aside_ = PinEpoch{};
  }
  // The stack's entries passed over go back where their stamps put them:
  // under any entry pushed since they were popped (all newer), over what
  // is left below; the stale ones are dropped. Within one search they are
  // popped newest first; a search under keep_aside may then pop entries
  // pushed after those were set aside (a KV request's stored blocks, each
  // newer than all before). So the leading newest-first run is reversed,
  // which leaves them in stamp order in that case, sorted otherwise, and
  // merged into the stack's top from the back. O(k) for those two runs,
  // O(k log k) in general, plus the entries newer than the oldest of them;
  // no allocation once the stack's capacity has grown.
  void restore_never_skipped() {
    if (never_skipped_.empty()) return;
    auto newer = [](const NeverEntry& a, const NeverEntry& b) {
      return a.stamp > b.stamp;
    };
    auto older = [](const NeverEntry& a, const NeverEntry& b) {
      return a.stamp < b.stamp;
    };
    const auto first = never_skipped_.begin();
    const auto last = never_skipped_.end();
    const auto run = std::is_sorted_until(first, last, newer);
    std::reverse(first, run);
    if (run != last && !std::is_sorted(first, last, older)) {
      std::sort(first, last, older);
    }
    std::size_t i = never_.size();
    std::size_t j = never_skipped_.size();
    never_.resize(i + j);
    std::size_t w = i + j;
    while (j > 0) {
      const NeverEntry& e = never_skipped_[j - 1];
      if (!live(e)) {
        --j;
      } else if (i > 0 && never_[i - 1].stamp > e.stamp) {
        never_[--w] = never_[--i];
      } else {
        never_[--w] = e;
        --j;
      }
    }
    // Dropped stale entries left w - i unused places below the merge.
    never_.erase(never_.begin() + static_cast<std::ptrdiff_t>(i),
                 never_.begin() + static_cast<std::ptrdiff_t>(w));
    never_skipped_.clear();
  }
  // PERFORMANCE: in KV mode the request's own blocks are pinned, and those
  // never used again (next access +infinity) sit atop the stack: every
  // eviction of the request would pop them and push them back, O(pinned)
  // per victim (O(pinned log n) when they were in the heap).
  // decide_best_effort instead leaves the entries it passed over for a pin
  // in `skipped_` and `never_skipped_`, out of the heap and the stack,
  // while the pins last: the same Pins object and no key unpinned since
  // (its unpin_epoch(), pins.h); a key pinned then is pinned now, so the
  // victim search gives what it would with them in place. Any search under
  // other pins, or after an unpin, puts them back first. An entry set
  // aside may go stale meanwhile (a hit pushes a fresh one, a removal
  // zeroes the stamp): then it is dropped when it comes back, as any stale
  // entry.
  template <class Pins>
  void keep_aside(const Pins& pins) {
    if constexpr (kHasUnpinEpoch<Pins>) {
      aside_ = skipped_.empty() && never_skipped_.empty() ? PinEpoch{}
                                                          : pins.unpin_epoch();
    } else {
      restore_skipped();
    }
  }
  template <class Pins>
  void take_back_aside(const Pins& pins) {
    if (skipped_.empty() && never_skipped_.empty()) return;
    if constexpr (kHasUnpinEpoch<Pins>) {
      if (aside_ == pins.unpin_epoch()) return;
    }
    restore_skipped();
  }

  std::int64_t max_cache_size_;
  std::int64_t current_cache_size_ = 0;
  std::int64_t pending_next_ = kNever;
  std::uint64_t stamp_ = 0;  // live stamps start at 1
  // Over the other dicts only (kByEntry: unused, empty).
  absl::flat_hash_map<key_type, std::uint32_t, KeyHash<key_type>> index_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;  // !kByEntry only
  std::vector<Entry> heap_;          // finite next accesses
  std::vector<NeverEntry> never_;    // +infinity, oldest stamp first
  // Entries passed over for a pin (or as the incoming key) by the current
  // search, or set aside by decide_best_effort until `aside_` moves.
  std::vector<Entry> skipped_;
  std::vector<NeverEntry> never_skipped_;
  PinEpoch aside_{};
};

struct BeladyPolicy {
  static constexpr PolicyTraits kTraits{
      /*name=*/"belady",
      /*reproduces=*/
      "Belady's MIN, farthest next access first (SIM-SPEC section 4; "
      "libCacheSim Belady)",
      /*promotes_on_hit=*/false,
      /*throws_on_missing_hit=*/false,
      /*evicts=*/true,
      /*may_reject_put=*/true,
      /*needs_future_knowledge=*/true,
      /*exact_accounting=*/true,
      /*victim_end=*/VictimEnd::kNone,
      /*per_entry_hit_state=*/true,
  };
  template <class Dict>
  using Evictor = BeladyEvictor<Dict>;
};

}  // namespace evictlab

#endif  // EVICTLAB_BELADY_EVICTOR_H_
