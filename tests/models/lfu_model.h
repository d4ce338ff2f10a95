// LfuModel: the executable spec of `lfu` (lfu_evictor.h, SIM-SPEC section 4),
// with OrderModel's interface (tests/policy_model.h): a list of (key, size,
// frequency, last access time) in insertion order, and the caller loop
// written out. The victim is found by a scan for the minimum of
// (frequency, last access), straight from the spec's words.
//
// Quadratic where the evictor is O(1): for tests only.
#ifndef EVICTLAB_TESTS_MODELS_LFU_MODEL_H_
#define EVICTLAB_TESTS_MODELS_LFU_MODEL_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "evictlab/evictor.h"
#include "evictlab/policy_traits.h"
#include "tests/policy_model.h"

namespace evictlab::testing {

class LfuModel {
 public:
  LfuModel(const PolicyTraits& /*traits*/, std::int64_t max_bytes)
      : max_(max_bytes) {}

  // Hit: frequency + 1, last access = now. A missing key: nothing.
  Outcome hit(const std::string& key) {
    if (Entry* e = find(key)) {
      ++e->freq;
      e->last_access = ++clock_;
    }
    return {};
  }

  // put_blocking: ILLEGAL changes nothing; otherwise the old object goes
  // (its frequency forgotten), the minimum-(frequency, last access) objects
  // are evicted one by one until the new one fits, and it is inserted with
  // frequency 1, accessed now.
  Outcome put(const std::string& key, std::int64_t size) {
    if (size < 0 || size > max_) return Outcome{"", PutStatus::kIllegal};
    Outcome out;
    if (find(key)) erase(key);
    while (current_ + size > max_) {
      const auto victim = std::min_element(
          entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
            return a.freq != b.freq ? a.freq < b.freq
                                    : a.last_access < b.last_access;
          });
      out.victims.push_back(victim->key);
      erase(victim->key);
    }
    entries_.push_back({key, size, 1, ++clock_});
    current_ += size;
    return out;
  }

  Outcome pop(const std::string& key) {
    if (!find(key)) return Outcome{"KeyError"};
    erase(key);
    return {};
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const Entry& e : entries_) out.push_back(e.key);
    return out;
  }
  double current() const { return static_cast<double>(current_); }
  // The key's frequency, 0 when not resident.
  std::uint64_t frequency(const std::string& key) {
    const Entry* e = find(key);
    return e ? e->freq : 0;
  }

 private:
  struct Entry {
    std::string key;
    std::int64_t size;
    std::uint64_t freq;
    std::uint64_t last_access;
  };

  Entry* find(const std::string& key) {
    for (Entry& e : entries_) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  void erase(std::string key) {  // by value: `key` may be an entry's own
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.key == key; });
    current_ -= it->size;
    entries_.erase(it);
  }

  std::int64_t max_;
  std::vector<Entry> entries_;  // insertion order (the dict's)
  std::uint64_t clock_ = 0;
  std::int64_t current_ = 0;
};

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_MODELS_LFU_MODEL_H_
