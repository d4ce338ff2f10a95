// internal::GhostTable (ARC's ghost index) against std::map under random
// inserts, finds and both erases, with hashes that collide on purpose: the
// backward-shift deletion must keep every remaining key findable, whichever
// run it breaks and wherever the run wraps around the table's end.
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

TYPED_TEST(GhostTableTest, MatchesAMapUnderRandomOperations) {
  using Table = GhostTable<std::uint64_t, TypeParam>;
  Table table;
  std::vector<Node> nodes;          // node i holds key nodes[i].key
  std::vector<std::uint32_t> free;  // nodes not in the table
  std::map<std::uint64_t, std::uint32_t> model;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t key = rng() % 300;
    const auto found = table.find(key, nodes);
    const auto it = model.find(key);
    ASSERT_EQ(found.node, it == model.end() ? Table::kNil : it->second)
        << "step " << step << ", key " << key;
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
      table.insert(key, n);
      model.emplace(key, n);
    } else if (op == 1) {
      table.erase_at(found.pos);
      free.push_back(it->second);
      model.erase(it);
    } else if (op == 2) {
      table.erase(key, it->second);
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
