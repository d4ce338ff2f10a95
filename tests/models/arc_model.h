// ARCModel: the executable spec of `arc` (SIM-SPEC section 4, and the
// interface choices of arc_evictor.h's header comment), with OrderModel's
// interface (tests/policy_model.h). Four plain vectors, head (newest) first,
// whose byte counters are summed afresh whenever the rule reads them, a
// vector of the resident (key, size) pairs in insertion order (the dict's
// order: ARC never reorders the dict), and the caller loop of caller.h
// written out longhand. Written from the spec, not from the evictor, so that
// the two check each other; quadratic, for tests only.
//
// Beyond OrderModel's interface: an optional set of pinned keys for put and
// candidates, and p(), list() and bytes() to compare the hidden state.
#ifndef EVICTLAB_TESTS_MODELS_ARC_MODEL_H_
#define EVICTLAB_TESTS_MODELS_ARC_MODEL_H_

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "evictlab/arc_evictor.h"
#include "evictlab/evictor.h"
#include "evictlab/policy_traits.h"
#include "tests/policy_model.h"

namespace evictlab::testing {

class ARCModel {
 public:
  using Pinned = std::set<std::string>;

  ARCModel(const PolicyTraits& /*traits*/, std::int64_t max_bytes)
      : max_(max_bytes) {}

  // A hit: L1 -> L2's head, L2 -> L2's head, anything else: nothing.
  Outcome hit(const std::string& key) {
    for (ARCList from : {ARCList::kL1, ARCList::kL2}) {
      std::vector<Entry>& l = at(from);
      const auto it = find_in(l, key);
      if (it == l.end()) continue;
      const Entry e = *it;
      l.erase(it);
      at(ARCList::kL2).insert(at(ARCList::kL2).begin(), e);
      break;
    }
    return {};
  }

  // caller.h's put_blocking: decide (the miss path, told the key), then on
  // LEGAL remove the old object, remove the victims, store.
  Outcome put(const std::string& key, std::int64_t size,
              const Pinned& pinned = {}) {
    bool flag_g1 = false;  // this request's flags, reset for each request
    bool flag_g2 = false;
    const Outcome illegal{"", PutStatus::kIllegal, {}};
    if (size < 0) return illegal;
    const auto resident = find_in(dict_, key);
    const bool is_resident = resident != dict_.end();
    if (!is_resident) {
      // The lookup of a miss: a ghost hit moves p by the ratio of the ghost
      // byte counters before the ghost is removed.
      const double g1 = static_cast<double>(bytes(ARCList::kG1));
      const double g2 = static_cast<double>(bytes(ARCList::kG2));
      if (erase_from(ARCList::kG1, key)) {
        flag_g1 = true;
        const double ratio = g2 / g1;
        const double delta = ratio > 1.0 ? ratio : 1.0;
        const double moved = p_ + delta;
        const double c = static_cast<double>(max_);
        p_ = moved < c ? moved : c;
      } else if (erase_from(ARCList::kG2, key)) {
        flag_g2 = true;
        const double ratio = g1 / g2;
        const double delta = ratio > 1.0 ? ratio : 1.0;
        const double moved = p_ - delta;
        p_ = moved > 0.0 ? moved : 0.0;
      }
    }
    if (size > max_) return illegal;  // after the lookup: it happened
    const std::int64_t old = is_resident ? resident->size : 0;
    std::int64_t excess = current_bytes() - old + size - max_;
    if (excess > 0) {
      std::int64_t pinned_bytes = 0;
      for (const Entry& e : dict_) {
        if (pinned.count(e.key)) pinned_bytes += e.size;
      }
      const bool old_pinned = is_resident && pinned.count(key) != 0;
      if (excess > current_bytes() - pinned_bytes - (old_pinned ? 0 : old)) {
        return illegal;
      }
    }
    // The re-put's old object leaves its data list without a ghost.
    if (is_resident) {
      erase_from(ARCList::kL1, key) || erase_from(ARCList::kL2, key);
    }
    Outcome out;
    while (excess > 0) {
      const Entry victim = evict_one(size, flag_g1, flag_g2, pinned);
      out.victims.push_back(victim.key);
      excess -= victim.size;
    }
    // The caller: remove the old object, the victims; store (the insert).
    if (is_resident) dict_.erase(find_in(dict_, key));
    for (const std::string& v : out.victims) dict_.erase(find_in(dict_, v));
    dict_.push_back({key, size});
    std::vector<Entry>& to =
        at(flag_g1 || flag_g2 ? ARCList::kL2 : ARCList::kL1);
    to.insert(to.begin(), Entry{key, size});
    return out;
  }

  // A user removal: no ghost.
  Outcome pop(const std::string& key) {
    const auto it = find_in(dict_, key);
    if (it == dict_.end()) return Outcome{"KeyError", PutStatus::kLegal, {}};
    dict_.erase(it);
    erase_from(ARCList::kL1, key) || erase_from(ARCList::kL2, key);
    return {};
  }

  // Up to n victims of the eviction step for a request without a ghost hit
  // and s = 0, as long as an unpinned entry is resident; the caller then
  // removes them.
  std::vector<std::string> candidates(std::size_t n,
                                      const Pinned& pinned = {}) {
    std::vector<std::string> out;
    while (out.size() < n) {
      // Resident and not chosen yet: in L1 or L2.
      bool any = false;
      for (ARCList l : {ARCList::kL1, ARCList::kL2}) {
        for (const Entry& e : at(l)) any = any || pinned.count(e.key) == 0;
      }
      if (!any) break;
      out.push_back(evict_one(0, false, false, pinned).key);
    }
    for (const std::string& v : out) dict_.erase(find_in(dict_, v));
    return out;
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const Entry& e : dict_) out.push_back(e.key);
    return out;
  }
  double current() const { return static_cast<double>(current_bytes()); }

  double p() const { return p_; }
  // A list's keys, head first.
  std::vector<std::string> list(ARCList l) const {
    std::vector<std::string> out;
    for (const Entry& e : lists_[static_cast<int>(l)]) out.push_back(e.key);
    return out;
  }
  std::int64_t bytes(ARCList l) const {
    std::int64_t sum = 0;
    for (const Entry& e : lists_[static_cast<int>(l)]) sum += e.size;
    return sum;
  }

 private:
  struct Entry {
    std::string key;
    std::int64_t size;
  };

  static std::vector<Entry>::iterator find_in(std::vector<Entry>& v,
                                              const std::string& key) {
    return std::find_if(v.begin(), v.end(),
                        [&](const Entry& e) { return e.key == key; });
  }
  std::vector<Entry>& at(ARCList l) { return lists_[static_cast<int>(l)]; }
  bool erase_from(ARCList l, const std::string& key) {
    const auto it = find_in(at(l), key);
    if (it == at(l).end()) return false;
    at(l).erase(it);
    return true;
  }
  std::int64_t current_bytes() const {
    std::int64_t sum = 0;
    for (const Entry& e : dict_) sum += e.size;
    return sum;
  }

  // Removes and returns the entry nearest the tail of `l` that is not
  // pinned; from the other data list if `l` has none. REQUIRES: one exists.
  Entry take_tail_most(ARCList l, const Pinned& pinned, ARCList* taken_from) {
    for (ARCList from : {l, l == ARCList::kL1 ? ARCList::kL2 : ARCList::kL1}) {
      std::vector<Entry>& v = at(from);
      for (std::size_t i = v.size(); i-- > 0;) {
        if (pinned.count(v[i].key)) continue;
        const Entry e = v[i];
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        *taken_from = from;
        return e;
      }
    }
    return {};  // unreachable under the REQUIRES
  }

  // REPLACE: L1's tail to G1's head, or L2's tail to G2's head.
  Entry replace(bool flag_g2, const Pinned& pinned) {
    const std::int64_t l1 = bytes(ARCList::kL1);
    const std::int64_t l2 = bytes(ARCList::kL2);
    const double l1d = static_cast<double>(l1);
    const bool take_l1 =
        (l1 > 0 && (l1d > p_ || (l1d == p_ && flag_g2))) || l2 == 0;
    ARCList from;
    const Entry e =
        take_tail_most(take_l1 ? ARCList::kL1 : ARCList::kL2, pinned, &from);
    std::vector<Entry>& ghost =
        at(from == ARCList::kL1 ? ARCList::kG1 : ARCList::kG2);
    ghost.insert(ghost.begin(), e);
    return e;
  }

  // "Evicting one object", in the spec's order.
  Entry evict_one(std::int64_t s, bool flag_g1, bool flag_g2,
                  const Pinned& pinned) {
    if (flag_g1 || flag_g2) return replace(flag_g2, pinned);
    const std::int64_t l1 = bytes(ARCList::kL1);
    const std::int64_t l2 = bytes(ARCList::kL2);
    const std::int64_t g1 = bytes(ARCList::kG1);
    const std::int64_t g2 = bytes(ARCList::kG2);
    if (l1 + g1 + s > max_) {
      if (g1 > 0) {
        at(ARCList::kG1).pop_back();
        return replace(flag_g2, pinned);
      }
      ARCList from;
      return take_tail_most(ARCList::kL1, pinned, &from);  // no ghost
    }
    if (l1 + g1 + l2 + g2 >= 2 * max_ && g2 > 0) at(ARCList::kG2).pop_back();
    return replace(flag_g2, pinned);
  }

  std::int64_t max_;
  double p_ = 0.0;
  std::vector<Entry> lists_[4];  // L1, L2, G1, G2 (ARCList's order)
  std::vector<Entry> dict_;      // resident, insertion order
};

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_MODELS_ARC_MODEL_H_
