// internal::GhostTable (the ghost index of ARC and S3-FIFO) against std::map
// under random inserts, finds and both erases, with hashes that collide on
// purpose: the backward-shift deletion must keep every remaining key
// findable, whichever run it breaks and wherever the run wraps around the
// table's end. The same operations through the `_hashed` forms (the caller's
// hash_of, computed once) must give the same answers.
#include "evictlab/internal/ghost_table.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "evictlab/key.h"

namespace evictlab::internal {
namespace {

// Every key in one probe run.
struct ConstantHash {
  std::size_t operator()(std::uint64_t) const { return 12345; }
};
// Four homes: runs that meet, overlap and wrap.
struct FourHomes {
  std::size_t operator()(std::uint64_t key) const { return key % 4; }
};

struct Node {
  std::uint64_t key = 0;
};

template <class Hash>
class GhostTableTest : public ::testing::Test {};
using Hashes =
    ::testing::Types<ConstantHash, FourHomes, KeyHash<std::uint64_t>>;
TYPED_TEST_SUITE(GhostTableTest, Hashes);

// The random operations against std::map; with `hashed`, every call but the
// keyed find goes through its `_hashed` form, and each find is asked both
// ways.
template <class Hash>
void check_against_a_map(bool hashed) {
  using Table = GhostTable<std::uint64_t, Hash>;
  Table table;
  std::vector<Node> nodes;          // node i holds key nodes[i].key
  std::vector<std::uint32_t> free;  // nodes not in the table
  std::map<std::uint64_t, std::uint32_t> model;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t key = rng() % 300;
    const std::uint32_t h = Table::hash_of(key);
    const auto found = table.find(key, nodes);
    const auto it = model.find(key);
    ASSERT_EQ(found.node, it == model.end() ? Table::kNil : it->second)
        << "step " << step << ", key " << key;
    if (hashed) {
      const auto by_hash = table.find_hashed(key, h, nodes);
      ASSERT_EQ(by_hash.node, found.node) << "step " << step;
      if (found.node != Table::kNil) ASSERT_EQ(by_hash.pos, found.pos);
    }
    const int op = static_cast<int>(rng() % 3);
    if (it == model.end()) {
      if (op == 0) continue;  // leave it absent for a while
      std::uint32_t n;
      if (free.empty()) {
        n = static_cast<std::uint32_t>(nodes.size());
        nodes.push_back({});
      } else {
        n = free.back();
        free.pop_back();
      }
      nodes[n].key = key;
      if (hashed) {
        table.insert_hashed(h, n);
      } else {
        table.insert(key, n);
      }
      model.emplace(key, n);
    } else if (op == 1) {
      table.erase_at(found.pos);
      free.push_back(it->second);
      model.erase(it);
    } else if (op == 2) {
      if (hashed) {
        table.erase_hashed(h, it->second);
      } else {
        table.erase(key, it->second);
      }
      free.push_back(it->second);
      model.erase(it);
    }
    ASSERT_EQ(table.size(), model.size());
    ASSERT_LE(2 * table.size(), table.capacity());
  }
  // Every key still answers, absent ones included.
  for (std::uint64_t key = 0; key < 300; ++key) {
    const auto it = model.find(key);
    EXPECT_EQ(table.find(key, nodes).node,
              it == model.end() ? Table::kNil : it->second)
        << "key " << key;
  }
}

TYPED_TEST(GhostTableTest, MatchesAMapUnderRandomOperations) {
  check_against_a_map<TypeParam>(/*hashed=*/false);
}

TYPED_TEST(GhostTableTest, HashedFormsMatchAMapToo) {
  check_against_a_map<TypeParam>(/*hashed=*/true);
}

TEST(GhostTable, HashOfIsTheMultipliedHashsTop32Bits) {
  // Colliding hashes stay colliding, distinct ones spread over the top bits.
  using Table = GhostTable<std::uint64_t, ConstantHash>;
  EXPECT_EQ(Table::hash_of(1), Table::hash_of(2));
  EXPECT_EQ(Table::hash_of(1), static_cast<std::uint32_t>(
                                   (12345ULL * 0x9E3779B97F4A7C15ULL) >> 32));
  using Four = GhostTable<std::uint64_t, FourHomes>;
  EXPECT_NE(Four::hash_of(1), Four::hash_of(2));
}

TEST(GhostTable, StaysPutWhenItsSizeDoes) {
  // A full cache's ghosts: one in, one out, forever. The table grows to the
  // peak and no further (no tombstones to clean up).
  GhostTable<std::uint64_t, KeyHash<std::uint64_t>> table;
  std::vector<Node> nodes(1000);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    nodes[i].key = i;
    table.insert(i, i);
  }
  const std::size_t capacity = table.capacity();
  EXPECT_EQ(capacity, 2048u);
  for (std::uint64_t next = 1000; next < 100000; ++next) {
    const std::uint32_t n = static_cast<std::uint32_t>(next % 1000);
    table.erase(nodes[n].key, n);
    nodes[n].key = next;
    table.insert(next, n);
  }
  EXPECT_EQ(table.capacity(), capacity);
  EXPECT_EQ(table.size(), 1000u);
  EXPECT_EQ(table.find(99999, nodes).node, 99999u % 1000);
  EXPECT_EQ(table.find(98999, nodes).node, decltype(table)::kNil);
}

}  // namespace
}  // namespace evictlab::internal
