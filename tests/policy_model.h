// OrderModel: the executable spec of every policy whose victims follow the
// dict's order, built from its PolicyTraits alone. A plain vector of
// (key, size) pairs, oldest first, and the caller loop's five steps written
// out longhand (caller.h), so the contract suite can compare any policy over
// any dict with it, operation by operation.
//
// It models both accountings of policy_traits.h:
// - the original's (`exact_accounting` false): a double `current` that adds
//   the incoming size, subtracts the size of every key it returns, is never
//   told of removals, and throws CacheExhaustedError (after its partial
//   subtraction) when the walk runs off the end;
// - the exact one: int64, the incoming key's old bytes are freed and the key
//   is never its own victim, an unsatisfiable put is ILLEGAL and changes
//   nothing, removals and stores are accounted.
//
// Quadratic where a real dict is O(1): for tests only.
#ifndef EVICTLAB_TESTS_POLICY_MODEL_H_
#define EVICTLAB_TESTS_POLICY_MODEL_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "evictlab/evictor.h"
#include "evictlab/policy_traits.h"

namespace evictlab::testing {

// What one operation did: an error (by name), or a status and victims.
struct Outcome {
  std::string error;  // "", "KeyError" or "StopIteration"
  PutStatus status = PutStatus::kLegal;
  std::vector<std::string> victims;

  friend bool operator==(const Outcome& a, const Outcome& b) {
    return a.error == b.error && a.status == b.status && a.victims == b.victims;
  }
};

class OrderModel {
 public:
  OrderModel(const PolicyTraits& traits, std::int64_t max_bytes)
      : traits_(traits), max_(max_bytes) {}

  // update_on_get.
  Outcome hit(const std::string& key) {
    const auto it = find(key);
    if (it == order_.end()) {
      return Outcome{traits_.throws_on_missing_hit ? "KeyError" : ""};
    }
    if (traits_.promotes_on_hit) {
      auto entry = *it;
      order_.erase(it);
      order_.push_back(entry);
    }
    return {};
  }

  // caller.h's put_blocking of `size` bytes under `key`.
  Outcome put(const std::string& key, std::int64_t size) {
    Outcome out = decide(key, size);
    if (!out.error.empty() || out.status == PutStatus::kIllegal) return out;
    if (find(key) != order_.end()) remove(key);
    for (const std::string& victim : out.victims) {
      if (find(victim) == order_.end()) {
        out.error = "KeyError";  // the reference caller's double pop
        return out;
      }
      remove(victim);
    }
    order_.emplace_back(key, size);
    if (traits_.exact_accounting) exact_current_ += size;
    return out;
  }

  // The caller removing `key` through the evictor (caller.h's remove).
  Outcome pop(const std::string& key) {
    if (find(key) == order_.end()) return Outcome{"KeyError"};
    remove(key);
    return {};
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, size] : order_) out.push_back(k);
    return out;
  }
  double current() const {
    return traits_.exact_accounting ? static_cast<double>(exact_current_)
                                    : reference_current_;
  }

 private:
  using Order = std::vector<std::pair<std::string, std::int64_t>>;

  Order::iterator find(const std::string& key) {
    return std::find_if(order_.begin(), order_.end(),
                        [&](const auto& e) { return e.first == key; });
  }
  void remove(const std::string& key) {
    const auto it = find(key);
    if (traits_.exact_accounting) exact_current_ -= it->second;
    order_.erase(it);
  }
  // The order victims are taken in.
  Order walk_order() const {
    Order walk = order_;
    if (traits_.victim_end == VictimEnd::kNewest) {
      std::reverse(walk.begin(), walk.end());
    }
    return walk;
  }

  Outcome decide(const std::string& key, std::int64_t size) {
    Outcome out;
    if (!traits_.evicts) return out;
    if (!traits_.exact_accounting) {
      if (size > max_) return Outcome{"", PutStatus::kIllegal};
      const double incoming = static_cast<double>(size);
      const Order walk = walk_order();
      std::size_t i = 0;
      while (incoming + reference_current_ > static_cast<double>(max_)) {
        if (i == walk.size()) return Outcome{"StopIteration"};
        reference_current_ -= static_cast<double>(walk[i].second);
        out.victims.push_back(walk[i].first);
        ++i;
      }
      reference_current_ += incoming;
      return out;
    }
    if (size < 0 || size > max_) return Outcome{"", PutStatus::kIllegal};
    const auto old = find(key);
    std::int64_t excess =
        exact_current_ - (old != order_.end() ? old->second : 0) + size - max_;
    for (const auto& [k, k_size] : walk_order()) {
      if (excess <= 0) break;
      if (k == key) continue;
      excess -= k_size;
      out.victims.push_back(k);
    }
    if (excess > 0) return Outcome{"", PutStatus::kIllegal};
    return out;
  }

  PolicyTraits traits_;
  std::int64_t max_;
  Order order_;  // oldest first
  double reference_current_ = 0.0;
  std::int64_t exact_current_ = 0;
};

// ClockModel: the executable spec of `clock` (clock_evictor.h, SIM-SPEC
// section 4), with OrderModel's interface: a list of (key, size, counter),
// tail (oldest) first, and the caller loop written out.
class ClockModel {
 public:
  ClockModel(const PolicyTraits& /*traits*/, std::int64_t max_bytes,
             int max_count = 1)
      : max_(max_bytes), max_count_(max_count) {}

  Outcome hit(const std::string& key) {
    if (auto it = find(key); it != order_.end() && it->count < max_count_) {
      ++it->count;
    }
    return {};
  }

  Outcome put(const std::string& key, std::int64_t size) {
    Outcome out = decide(key, size);
    if (out.status == PutStatus::kIllegal) return out;
    if (find(key) != order_.end()) pop(key);
    for (const std::string& victim : out.victims) pop(victim);
    order_.push_back({key, size, 0});
    current_ += size;
    return out;
  }

  Outcome pop(const std::string& key) {
    const auto it = find(key);
    if (it == order_.end()) return Outcome{"KeyError"};
    current_ -= it->size;
    order_.erase(it);
    return {};
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
    int count;
  };
  std::vector<Entry>::iterator find(const std::string& key) {
    return std::find_if(order_.begin(), order_.end(),
                        [&](const Entry& e) { return e.key == key; });
  }

  // Victims are the first `pos` entries; a spared entry moves to the back.
  Outcome decide(const std::string& key, std::int64_t size) {
    if (size < 0 || size > max_) return Outcome{"", PutStatus::kIllegal};
    const auto old = find(key);
    std::int64_t excess =
        current_ - (old != order_.end() ? old->size : 0) + size - max_;
    Outcome out;
    std::size_t pos = 0;
    std::size_t budget =
        static_cast<std::size_t>(max_count_ + 2) * (order_.size() + 1);
    while (excess > 0) {
      if (pos == order_.size() || budget-- == 0) {
        return Outcome{"", PutStatus::kIllegal};
      }
      Entry& e = order_[pos];
      if (e.key == key || e.count > 0) {
        if (e.key != key) --e.count;
        Entry moved = e;
        order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(pos));
        order_.push_back(moved);
        continue;
      }
      excess -= e.size;
      out.victims.push_back(e.key);
      ++pos;
    }
    return out;
  }

  std::int64_t max_;
  int max_count_;
  std::vector<Entry> order_;
  std::int64_t current_ = 0;
};

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_POLICY_MODEL_H_
