// S3FIFOModel: the executable spec of `s3fifo` (SIM-SPEC section 4, and the
// choices s3fifo_evictor.h states for what the spec leaves open: re-puts,
// user removals), with OrderModel's interface (tests/policy_model.h).
//
// Written from the spec, not from the evictor: plain vectors, index 0 the
// tail (oldest), back() the head (newest), and the caller loop of caller.h
// (decide; ILLEGAL -> nothing; remove the old object; remove the victims;
// store) written out. Quadratic: for tests only.
#ifndef EVICTLAB_TESTS_MODELS_S3FIFO_MODEL_H_
#define EVICTLAB_TESTS_MODELS_S3FIFO_MODEL_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evictlab/evictor.h"
#include "evictlab/policy_traits.h"
#include "tests/policy_model.h"

namespace evictlab::testing {

class S3FIFOModel {
 public:
  S3FIFOModel(const PolicyTraits& /*traits*/, std::int64_t max_bytes,
              double fifo_size_ratio = 0.10, double ghost_size_ratio = 0.90,
              int move_to_main_threshold = 2)
      : c_(max_bytes),
        s_cap_(static_cast<std::int64_t>(static_cast<double>(max_bytes) *
                                         fifo_size_ratio)),
        m_cap_(max_bytes - s_cap_),
        g_cap_(static_cast<std::int64_t>(static_cast<double>(max_bytes) *
                                         ghost_size_ratio)),
        threshold_(move_to_main_threshold) {}

  // Lookup of a resident key: freq += 1 in S, else in M. A resident id is
  // never in G, so the spec's G step between the two does nothing here; a
  // key that is not resident: nothing.
  Outcome hit(const std::string& key) {
    if (Entry* in_small = find(small_, key)) {
      ++in_small->freq;
    } else if (Entry* in_main = find(main_, key)) {
      ++in_main->freq;
    }
    return {};
  }

  // put_blocking: decide (lookup of the miss path, admission, evictions),
  // remove the old object, remove the victims, insert.
  Outcome put(const std::string& key, std::int64_t size) {
    const Outcome illegal{"", PutStatus::kIllegal, {}};
    if (size < 0) return illegal;
    const std::optional<std::int64_t> old = stored_size(key);
    bool ghost_hit = false;
    if (!old) {
      const auto g = std::find_if(ghost_.begin(), ghost_.end(),
                                  [&](const Entry& e) { return e.key == key; });
      if (g != ghost_.end()) {
        ghost_.erase(g);
        ghost_hit = true;
      }
    }
    if (size > s_cap_) return illegal;  // admission: size <= |S|
    Outcome out;
    std::int64_t excess = current_ - old.value_or(0) + size - c_;
    while (excess > 0) {
      const std::optional<Entry> victim = evict_one(key);
      if (!victim) return illegal;  // unreachable: no pins here
      excess -= victim->size;
      out.victims.push_back(victim->key);
    }
    if (old) pop(key);  // user removal: out of S or M, no ghost
    for (const std::string& victim : out.victims) drop_from_dict(victim);
    // Insert.
    if (ghost_hit) {
      main_.push_back({key, size, 0});
    } else if (size >= s_cap_) {
      return out;  // declined: the evictions stand, nothing is stored
    } else {
      small_.push_back({key, size, 0});
    }
    dict_.push_back({key, size, 0});
    current_ += size;
    return out;
  }

  Outcome pop(const std::string& key) {
    if (!stored_size(key)) return Outcome{"KeyError"};
    erase(small_, key);
    erase(main_, key);
    drop_from_dict(key);
    return {};
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const Entry& e : dict_) out.push_back(e.key);
    return out;
  }
  double current() const { return static_cast<double>(current_); }

  // Queue contents, tail first, for diagnostics.
  std::vector<std::string> small_keys() const { return keys_of(small_); }
  std::vector<std::string> main_keys() const { return keys_of(main_); }
  std::vector<std::string> ghost_keys() const { return keys_of(ghost_); }

 private:
  struct Entry {
    std::string key;
    std::int64_t size;
    std::int64_t freq;
  };
  using Queue = std::vector<Entry>;

  static Entry* find(Queue& q, const std::string& key) {
    for (Entry& e : q) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  static void erase(Queue& q, const std::string& key) {
    q.erase(std::remove_if(q.begin(), q.end(),
                           [&](const Entry& e) { return e.key == key; }),
            q.end());
  }
  static std::int64_t bytes(const Queue& q) {
    std::int64_t sum = 0;
    for (const Entry& e : q) sum += e.size;
    return sum;
  }
  static std::vector<std::string> keys_of(const Queue& q) {
    std::vector<std::string> out;
    for (const Entry& e : q) out.push_back(e.key);
    return out;
  }
  std::optional<std::int64_t> stored_size(const std::string& key) {
    if (Entry* e = find(dict_, key)) return e->size;
    return std::nullopt;
  }
  void drop_from_dict(const std::string& key) {
    current_ -= find(dict_, key)->size;
    erase(dict_, key);
  }

  // "Evicting one object": M if M is over its capacity or S is empty, else
  // S. `incoming` (a re-put key) is never taken: it is passed over where it
  // stands. A queue that has nothing to give hands over to the other, which
  // hands back once (what S moved into M may be taken then).
  std::optional<Entry> evict_one(const std::string& incoming) {
    const bool main_first = bytes(main_) > m_cap_ || small_.empty();
    std::optional<Entry> victim =
        main_first ? from_main(incoming) : from_small(incoming);
    if (!victim)
      victim = main_first ? from_small(incoming) : from_main(incoming);
    if (!victim && main_first) victim = from_main(incoming);
    return victim;
  }

  // Take S's tail until one object left: freq >= threshold moves to M's head
  // with freq 0; otherwise evicted into G.
  std::optional<Entry> from_small(const std::string& incoming) {
    std::size_t i = 0;
    while (i < small_.size()) {
      Entry e = small_[i];
      if (e.key == incoming) {
        ++i;
        continue;
      }
      small_.erase(small_.begin() + static_cast<std::ptrdiff_t>(i));
      if (e.freq >= threshold_) {
        main_.push_back({e.key, e.size, 0});
        continue;
      }
      into_ghost(e);
      return e;
    }
    return std::nullopt;
  }

  // Take M's tail until one object is evicted: freq >= 1 moves to M's head
  // with min(freq, 3) - 1; freq 0 is evicted (not into G).
  std::optional<Entry> from_main(const std::string& incoming) {
    std::size_t i = 0;
    while (i < main_.size()) {
      Entry e = main_[i];
      if (e.key == incoming) {
        ++i;
        continue;
      }
      main_.erase(main_.begin() + static_cast<std::ptrdiff_t>(i));
      if (e.freq >= 1) {
        e.freq = std::min<std::int64_t>(e.freq, 3) - 1;
        main_.push_back(e);
        continue;
      }
      return e;
    }
    return std::nullopt;
  }

  // G as a FIFO cache of its own: an id already there changes nothing;
  // otherwise drop G's tail until the entry fits, then insert at the head.
  // An entry larger than G itself cannot fit and is not inserted.
  void into_ghost(const Entry& e) {
    if (find(ghost_, e.key) != nullptr) return;
    if (e.size > g_cap_) return;
    while (bytes(ghost_) + e.size > g_cap_) ghost_.erase(ghost_.begin());
    ghost_.push_back({e.key, e.size, 0});
  }

  std::int64_t c_;
  std::int64_t s_cap_;
  std::int64_t m_cap_;
  std::int64_t g_cap_;
  std::int64_t threshold_;
  Queue small_, main_, ghost_;
  Queue dict_;  // the dict's order: insertion order of resident keys
  std::int64_t current_ = 0;
};

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_MODELS_S3FIFO_MODEL_H_
