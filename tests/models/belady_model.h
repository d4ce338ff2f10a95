// BeladyModel: the executable spec of `belady` (belady_evictor.h, SIM-SPEC
// sections 3-4) with OrderModel's interface: a vector of (key, size, next
// access, stamp) in insertion order, and the caller loop written out. The
// victim is the resident entry with the largest next access (none = +inf);
// among +inf entries the largest stamp (the latest insert or hit).
//
// Quadratic; for tests only.
#ifndef EVICTLAB_TESTS_MODELS_BELADY_MODEL_H_
#define EVICTLAB_TESTS_MODELS_BELADY_MODEL_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tests/policy_model.h"

namespace evictlab::testing {

class BeladyModel {
 public:
  BeladyModel(const PolicyTraits& /*traits*/, std::int64_t max_bytes)
      : max_(max_bytes) {}

  void set_next_access(std::int64_t next) {
    next_ = next < 0 ? std::numeric_limits<std::int64_t>::max() : next;
  }

  Outcome hit(const std::string& key) {
    if (Entry* e = find(key)) {
      e->next = next_;
      e->stamp = ++stamp_;
    }
    return {};
  }

  Outcome put(const std::string& key, std::int64_t size) {
    if (size < 0 || size > max_) return Outcome{"", PutStatus::kIllegal};
    const Entry* old = find(key);
    std::int64_t excess = current_ - (old ? old->size : 0) + size - max_;
    Outcome out;
    std::vector<bool> taken(order_.size(), false);
    while (excess > 0) {
      std::size_t best = order_.size();
      for (std::size_t i = 0; i < order_.size(); ++i) {
        if (taken[i] || order_[i].key == key) continue;
        if (best == order_.size() || order_[i].next > order_[best].next ||
            (order_[i].next == order_[best].next &&
             order_[i].stamp > order_[best].stamp)) {
          best = i;
        }
      }
      if (best == order_.size()) return Outcome{"", PutStatus::kIllegal};
      taken[best] = true;
      excess -= order_[best].size;
      out.victims.push_back(order_[best].key);
    }
    if (find(key)) pop(key);
    for (const std::string& v : out.victims) pop(v);
    order_.push_back({key, size, next_, ++stamp_});
    current_ += size;
    return out;
  }

  Outcome pop(const std::string& key) {
    for (auto it = order_.begin(); it != order_.end(); ++it) {
      if (it->key == key) {
        current_ -= it->size;
        order_.erase(it);
        return {};
      }
    }
    return Outcome{"KeyError"};
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const Entry& e : order_) out.push_back(e.key);
    return out;
  }
  double current() const { return static_cast<double>(current_); }

 private:
  struct Entry {
    std::string key;
    std::int64_t size;
    std::int64_t next;
    std::uint64_t stamp;
  };
  Entry* find(const std::string& key) {
    for (Entry& e : order_) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }

  std::int64_t max_;
  std::int64_t current_ = 0;
  std::int64_t next_ = std::numeric_limits<std::int64_t>::max();
  std::uint64_t stamp_ = 0;
  std::vector<Entry> order_;
};

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_MODELS_BELADY_MODEL_H_
