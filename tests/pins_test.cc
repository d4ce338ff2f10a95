// RequestPins (pins.h), the KV simulator's per-request pin set: what it pins,
// its byte count and epoch, that unpin_all() forgets every key of the request
// (and nothing leaks into the next one), across table growth and under a
// hash that sends every key to one slot; then random requests against
// KeySetPins as the model; and the by-address slots (PinByAddress): found
// by value, never read through once their request ended.
#include "evictlab/pins.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace evictlab {
namespace {

TEST(RequestPins, PinsOnceAndCountsBytes) {
  RequestPins<std::uint64_t> pins;
  EXPECT_TRUE(pins.empty());
  EXPECT_TRUE(pins.pin(7, 100));
  EXPECT_FALSE(pins.pin(7, 100));  // already pinned: not counted twice
  EXPECT_TRUE(pins.pin(8, 28));
  EXPECT_TRUE(pins.pinned(7));
  EXPECT_TRUE(pins.pinned(8));
  EXPECT_FALSE(pins.pinned(9));
  EXPECT_EQ(pins.size(), 2u);
  EXPECT_EQ(pins.pinned_bytes(), 128);
}

TEST(RequestPins, UnpinAllForgetsTheRequestAndMovesTheEpoch) {
  RequestPins<std::uint64_t> pins;
  const PinEpoch empty = pins.unpin_epoch();
  pins.unpin_all();  // nothing pinned: nothing unpinned
  EXPECT_EQ(pins.unpin_epoch(), empty);
  pins.pin(1, 10);
  pins.pin(2, 10);
  EXPECT_EQ(pins.unpin_epoch(), empty);  // pinning is no unpin
  pins.unpin_all();
  EXPECT_NE(pins.unpin_epoch(), empty);
  EXPECT_FALSE(pins.pinned(1));
  EXPECT_FALSE(pins.pinned(2));
  EXPECT_EQ(pins.size(), 0u);
  EXPECT_EQ(pins.pinned_bytes(), 0);
  // A key of the last request is new again.
  EXPECT_TRUE(pins.pin(2, 5));
  EXPECT_EQ(pins.pinned_bytes(), 5);
}

TEST(RequestPins, TwoObjectsNeverShareAnEpoch) {
  RequestPins<std::uint64_t> a;
  RequestPins<std::uint64_t> b;
  EXPECT_NE(a.unpin_epoch(), b.unpin_epoch());
}

TEST(RequestPins, GrowsPastItsFirstTableWithinOneRequest) {
  RequestPins<std::uint64_t> pins;
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t k = 0; k < 5000; ++k) {
      ASSERT_TRUE(pins.pin(k * 64, 1)) << k;  // strided: same low bits
    }
    EXPECT_EQ(pins.size(), 5000u);
    EXPECT_EQ(pins.pinned_bytes(), 5000);
    for (std::uint64_t k = 0; k < 5000; ++k) {
      ASSERT_TRUE(pins.pinned(k * 64)) << k;
      ASSERT_FALSE(pins.pinned(k * 64 + 1)) << k;
    }
    pins.unpin_all();
    for (std::uint64_t k = 0; k < 5000; ++k) {
      ASSERT_FALSE(pins.pinned(k * 64)) << k;
    }
  }
}

// Every key hashes to slot 0: the probe sequence is the whole table.
struct OneSlot {
  std::size_t operator()(const std::string& /*key*/) const { return 0; }
};

TEST(RequestPins, CollidingKeysStayDistinct) {
  RequestPins<std::string, OneSlot> pins;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(pins.pin("k" + std::to_string(i), i));
  }
  for (int i = 0; i < 200; ++i) {
    EXPECT_TRUE(pins.pinned("k" + std::to_string(i)));
    EXPECT_FALSE(pins.pin("k" + std::to_string(i), i));
  }
  EXPECT_FALSE(pins.pinned("k200"));
  EXPECT_EQ(pins.pinned_bytes(), 199 * 200 / 2);
  pins.unpin_all();
  // Stale slots of the last request end a probe: nothing reads as pinned,
  // and a re-pin lands once.
  EXPECT_FALSE(pins.pinned("k5"));
  EXPECT_TRUE(pins.pin("k5", 1));
  EXPECT_TRUE(pins.pinned("k5"));
  EXPECT_FALSE(pins.pinned("k4"));
  EXPECT_EQ(pins.size(), 1u);
}

// Random requests of up to 300 keys from a small universe (so that keys
// repeat within and across requests), checked against KeySetPins, which
// unpins key by key.
TEST(RequestPins, AgreesWithKeySetPinsOverRandomRequests) {
  std::mt19937_64 rng(15);
  RequestPins<std::uint64_t> pins;
  KeySetPins<std::uint64_t> model;
  for (int request = 0; request < 400; ++request) {
    const std::size_t n = rng() % 300;
    std::vector<std::uint64_t> pinned;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t key = rng() % 1000;
      const std::int64_t size = static_cast<std::int64_t>(key % 7 + 1);
      const bool fresh = !model.pinned(key);
      ASSERT_EQ(pins.pin(key, size), fresh);
      model.pin(key, size);
      if (fresh) pinned.push_back(key);
      const std::uint64_t probe = rng() % 1000;
      ASSERT_EQ(pins.pinned(probe), model.pinned(probe)) << probe;
      ASSERT_EQ(pins.pinned_bytes(), model.pinned_bytes());
      ASSERT_EQ(pins.size(), model.size());
    }
    pins.unpin_all();
    for (const std::uint64_t key : pinned) model.unpin(key, key % 7 + 1);
    ASSERT_EQ(model.size(), 0u);
    for (std::uint64_t key = 0; key < 1000; ++key) {
      ASSERT_FALSE(pins.pinned(key)) << key;
    }
  }
}

// PinByAddress: the slot holds the caller's key object; pinned() finds any
// equal key by value. Keys of a finished request are destroyed before the
// next one pins (under ASan a read through a dead slot would fail), and a
// hash that sends every key to one slot makes each probe pass every slot.
TEST(RequestPins, ByAddressFindsEqualKeysAndNeverReadsAFinishedRequest) {
  RequestPins<std::string, OneSlot, PinByAddress<std::string>> pins;
  for (int request = 0; request < 5; ++request) {
    auto keys = std::make_unique<std::vector<std::string>>();
    for (int i = 0; i < 40; ++i) {
      keys->push_back(std::string(40, 'k') + std::to_string(request * 100 + i));
    }
    for (const std::string& key : *keys) EXPECT_TRUE(pins.pin(key, 3));
    EXPECT_FALSE(pins.pin(std::string((*keys)[7]), 3));  // equal: pinned
    EXPECT_EQ(pins.size(), 40u);
    EXPECT_EQ(pins.pinned_bytes(), 120);
    const std::string copy = (*keys)[39];
    EXPECT_TRUE(pins.pinned(copy));
    EXPECT_FALSE(pins.pinned(std::string(40, 'k') + "x"));
    pins.unpin_all();
    keys.reset();  // every slot's address now dangles
    EXPECT_FALSE(pins.pinned(copy));
    EXPECT_TRUE(pins.empty());
  }
}

}  // namespace
}  // namespace evictlab
