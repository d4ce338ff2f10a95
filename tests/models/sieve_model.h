// SieveModel: the executable spec of `sieve` (sieve_evictor.h, SIM-SPEC
// section 4), with OrderModel's interface (tests/policy_model.h): a list of
// (key, size, visited), tail (oldest) first, a hand held as a key, and the
// caller loop written out. Written from the spec, not from the evictor: an
// eviction removes the victim from the list at once, and a re-put is the
// removal of the old object followed by a miss.
//
// Quadratic where the evictor is O(1): for tests only.
#ifndef EVICTLAB_TESTS_MODELS_SIEVE_MODEL_H_
#define EVICTLAB_TESTS_MODELS_SIEVE_MODEL_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evictlab/evictor.h"
#include "evictlab/policy_traits.h"
#include "tests/policy_model.h"

namespace evictlab::testing {

class SieveModel {
 public:
  SieveModel(const PolicyTraits& /*traits*/, std::int64_t max_bytes)
      : max_(max_bytes) {}

  // Hit: visited = 1. A missing key: nothing.
  Outcome hit(const std::string& key) {
    if (const auto i = index_of(key)) queue_[*i].visited = true;
    return {};
  }

  // put_blocking: ILLEGAL changes nothing; otherwise the old object goes,
  // then objects are evicted one by one until the new one fits, then it is
  // inserted at the head, unvisited.
  Outcome put(const std::string& key, std::int64_t size) {
    if (size < 0 || size > max_) return Outcome{"", PutStatus::kIllegal};
    Outcome out;
    if (index_of(key)) erase(key);
    while (current_ + size > max_) out.victims.push_back(evict_one());
    queue_.push_back({key, size, false});
    current_ += size;
    return out;
  }

  Outcome pop(const std::string& key) {
    if (!index_of(key)) return Outcome{"KeyError"};
    erase(key);
    return {};
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const Entry& e : queue_) out.push_back(e.key);
    return out;
  }
  double current() const { return static_cast<double>(current_); }
  // The hand's key, or nullopt for none (the walk then starts at the tail).
  const std::optional<std::string>& hand() const { return hand_; }

 private:
  struct Entry {
    std::string key;
    std::int64_t size;
    bool visited;
  };

  std::optional<std::size_t> index_of(const std::string& key) const {
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      if (queue_[i].key == key) return i;
    }
    return std::nullopt;
  }

  // Removes the entry; a hand resting on it moves to the object just newer
  // (none if it was the head).
  void erase(const std::string& key) {
    const std::size_t i = *index_of(key);
    if (hand_ == key) {
      hand_ = i + 1 < queue_.size() ? std::optional(queue_[i + 1].key)
                                    : std::nullopt;
    }
    current_ -= queue_[i].size;
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
  }

  // SIM-SPEC's "evict one object". REQUIRES: the queue is not empty.
  std::string evict_one() {
    std::size_t i = hand_ ? *index_of(*hand_) : 0;
    while (queue_[i].visited) {
      queue_[i].visited = false;
      i = (i + 1) % queue_.size();  // toward the head, wrapping to the tail
    }
    const std::string victim = queue_[i].key;
    hand_ =
        i + 1 < queue_.size() ? std::optional(queue_[i + 1].key) : std::nullopt;
    current_ -= queue_[i].size;
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
    return victim;
  }

  std::int64_t max_;
  std::vector<Entry> queue_;  // tail (oldest) first
  std::optional<std::string> hand_;
  std::int64_t current_ = 0;
};

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_MODELS_SIEVE_MODEL_H_
