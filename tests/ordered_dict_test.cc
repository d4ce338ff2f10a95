// One typed suite over every dict: the flat OrderedDict (also under a hash
// that collides on purpose, so probe runs are long and wrap around the end of
// its table), the slab over absl::flat_hash_map, the node-based variant and
// the NaiveOrderedDict baseline must behave exactly like Python's OrderedDict.
#include "evictlab/ordered_dict.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "evictlab/absl_ordered_dict.h"
#include "evictlab/errors.h"
#include "evictlab/internal/entry_state.h"
#include "evictlab/kv_object.h"
#include "evictlab/naive_ordered_dict.h"
#include "evictlab/node_ordered_dict.h"

namespace evictlab {
namespace {

template <class D>
class OrderedDictTest : public ::testing::Test {};

// Four hash values whose 32-bit tags all have their home in the last four
// slots of any table: every key collides and every probe run wraps.
struct CollidingHash {
  std::size_t operator()(const std::string& key) const {
    return 0xFFFFFFFCu | (std::hash<std::string>{}(key)&3u);
  }
};

using Dicts = ::testing::Types<
    OrderedDict<std::string, int>, OrderedDict<std::string, int, CollidingHash>,
    AbslOrderedDict<std::string, int>, NodeOrderedDict<std::string, int>,
    NaiveOrderedDict<std::string, int>>;
TYPED_TEST_SUITE(OrderedDictTest, Dicts);

template <class D>
std::vector<std::string> iterated_keys(D& d) {
  std::vector<std::string> out;
  for (auto item : d) out.push_back(item.key);
  return out;
}

template <class D>
std::vector<std::string> reverse_iterated_keys(D& d) {
  std::vector<std::string> out;
  for (auto it = d.rbegin(); it != d.rend(); ++it) out.push_back(it.key());
  return out;
}

using Keys = std::vector<std::string>;

TYPED_TEST(OrderedDictTest, ReverseIterationIsNewestFirst) {
  TypeParam d;
  EXPECT_EQ(reverse_iterated_keys(d), Keys{});
  d.set("b", 1);
  d.set("a", 2);
  d.set("c", 3);
  d.move_to_end("b");
  EXPECT_EQ(reverse_iterated_keys(d), (Keys{"b", "c", "a"}));
  d.pop("c");
  EXPECT_EQ(reverse_iterated_keys(d), (Keys{"b", "a"}));
  EXPECT_EQ(d.rbegin().value(), 1);
}

TYPED_TEST(OrderedDictTest, IteratesInInsertionOrder) {
  TypeParam d;
  EXPECT_TRUE(d.empty());
  EXPECT_TRUE(d.set("b", 1));
  EXPECT_TRUE(d.set("a", 2));
  EXPECT_TRUE(d.set("c", 3));
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(iterated_keys(d), (Keys{"b", "a", "c"}));
  EXPECT_EQ(d.keys(), (Keys{"b", "a", "c"}));
}

TYPED_TEST(OrderedDictTest, AssignmentToExistingKeyKeepsPosition) {
  TypeParam d;
  d.set("a", 1);
  d.set("b", 2);
  EXPECT_FALSE(d.set("a", 10));
  EXPECT_EQ(d.keys(), (Keys{"a", "b"}));
  EXPECT_EQ(d.at("a"), 10);
}

TYPED_TEST(OrderedDictTest, MoveToEndBothWays) {
  TypeParam d;
  for (const char* k : {"a", "b", "c"}) d.set(k, 0);
  d.move_to_end("a");
  EXPECT_EQ(d.keys(), (Keys{"b", "c", "a"}));
  d.move_to_end("a");  // already newest: no change
  EXPECT_EQ(d.keys(), (Keys{"b", "c", "a"}));
  d.move_to_end("a", /*last=*/false);
  EXPECT_EQ(d.keys(), (Keys{"a", "b", "c"}));
  d.move_to_end("c", /*last=*/false);
  EXPECT_EQ(d.keys(), (Keys{"c", "a", "b"}));
}

TYPED_TEST(OrderedDictTest, MissingKeysRaiseKeyErrorAndChangeNothing) {
  TypeParam d;
  d.set("a", 1);
  EXPECT_THROW(d.move_to_end("x"), KeyNotFoundError);
  EXPECT_THROW(d.pop("x"), KeyNotFoundError);
  EXPECT_THROW(d.at("x"), KeyNotFoundError);
  EXPECT_FALSE(d.erase("x"));
  EXPECT_EQ(d.find("x"), nullptr);
  EXPECT_EQ(d.keys(), (Keys{"a"}));
  try {
    d.pop("missing");
  } catch (const KeyNotFoundError& e) {
    EXPECT_EQ(e.key_repr(), "'missing'");
  }
}

TYPED_TEST(OrderedDictTest, PopReturnsValueAndUnlinksAnywhere) {
  TypeParam d;
  for (int i = 0; i < 5; ++i) d.set(std::to_string(i), i);
  EXPECT_EQ(d.pop("2"), 2);  // middle
  EXPECT_EQ(d.pop("0"), 0);  // oldest
  EXPECT_EQ(d.pop("4"), 4);  // newest
  EXPECT_EQ(d.keys(), (Keys{"1", "3"}));
  d.set("5", 5);
  EXPECT_EQ(d.keys(), (Keys{"1", "3", "5"}));
  EXPECT_TRUE(d.erase("1"));
  EXPECT_TRUE(d.erase("3"));
  EXPECT_TRUE(d.erase("5"));
  EXPECT_TRUE(d.empty());
  EXPECT_TRUE(d.begin() == d.end());
  d.set("x", 1);  // reusable after emptying
  EXPECT_EQ(d.keys(), (Keys{"x"}));
}

TYPED_TEST(OrderedDictTest, IteratorsSurviveOtherMutations) {
  TypeParam d;
  for (int i = 0; i < 100; ++i) d.set(std::to_string(i), i);
  auto it = d.begin();  // "0"
  for (int i = 1; i < 100; i += 2) d.erase(std::to_string(i));
  for (int i = 100; i < 1000; ++i) d.set(std::to_string(i), i);  // rehashes
  EXPECT_EQ(it.key(), "0");
  EXPECT_EQ(it.value(), 0);
  ++it;
  EXPECT_EQ(it.key(), "2");
}

// Random set/pop/move_to_end/contains over `key_range` keys, checked against
// a vector model after every step.
template <class D>
void check_against_model(int key_range, int steps, unsigned seed) {
  D d;
  std::vector<std::pair<std::string, int>> model;  // oldest first
  std::mt19937 rng(seed);
  auto find = [&](const std::string& k) {
    for (std::size_t i = 0; i < model.size(); ++i)
      if (model[i].first == k) return static_cast<int>(i);
    return -1;
  };
  for (int step = 0; step < steps; ++step) {
    const std::string k = std::to_string(rng() % key_range);
    const int pos = find(k);
    switch (rng() % 4) {
      case 0:
        d.set(k, step);
        if (pos < 0)
          model.emplace_back(k, step);
        else
          model[pos].second = step;
        break;
      case 1:
        if (pos < 0) {
          EXPECT_THROW(d.pop(k), KeyNotFoundError);
        } else {
          EXPECT_EQ(d.pop(k), model[pos].second);
          model.erase(model.begin() + pos);
        }
        break;
      case 2:
        if (pos < 0) {
          EXPECT_THROW(d.move_to_end(k), KeyNotFoundError);
        } else {
          auto entry = model[pos];
          model.erase(model.begin() + pos);
          model.push_back(entry);
          d.move_to_end(k);
        }
        break;
      case 3:
        EXPECT_EQ(d.contains(k), pos >= 0);
        break;
    }
    ASSERT_EQ(d.size(), model.size());
  }
  std::vector<std::pair<std::string, int>> actual;
  for (auto [key, value] : d) actual.emplace_back(key, value);
  EXPECT_EQ(actual, model);
}

TYPED_TEST(OrderedDictTest, MatchesAModelUnderRandomOperations) {
  check_against_model<TypeParam>(40, 5000, 7);
}

// Enough keys that the flat dict's table and slab grow several times while
// entries are being freed and reused.
TYPED_TEST(OrderedDictTest, MatchesAModelAcrossGrowthAndReuse) {
  check_against_model<TypeParam>(700, 12000, 11);
}

TYPED_TEST(OrderedDictTest, ClearEmptiesAndStaysUsable) {
  TypeParam d;
  for (int i = 0; i < 50; ++i) d.set(std::to_string(i), i);
  d.clear();
  EXPECT_EQ(d.size(), 0u);
  EXPECT_TRUE(d.begin() == d.end());
  EXPECT_FALSE(d.contains("1"));
  d.set("b", 2);
  d.set("a", 1);
  EXPECT_EQ(d.keys(), (Keys{"b", "a"}));
  EXPECT_EQ(d.at("a"), 1);
}

// set() may grow the slab and move every value: a value argument that refers
// into the dict itself must be read before that (ASan catches the
// use-after-free otherwise).
TEST(FlatOrderedDictTest, SetFromOwnValueSurvivesSlabGrowth) {
  OrderedDict<std::string, std::string> d;
  const std::string long_value(100, 'v');  // heap-allocated, not SSO
  for (int i = 0; i < 16; ++i) d.set(std::to_string(i), long_value);
  d.set("new", d.at("0"));  // the 17th entry: the slab grows
  EXPECT_EQ(d.at("new"), long_value);
  EXPECT_EQ(d.at("0"), long_value);
  EXPECT_EQ(d.size(), 17u);
}

// A full cache's steady stream of puts (pop the oldest, insert a new key)
// leaves tombstones; rebuilding for them must not grow the table.
TEST(FlatOrderedDictTest, SteadyChurnKeepsTheTableSize) {
  OrderedDict<std::string, int> d;
  constexpr int kEntries = 1000;
  for (int i = 0; i < kEntries; ++i) d.set(std::to_string(i), i);
  const std::size_t slots = d.slot_count();
  for (int i = kEntries; i < 100 * kEntries; ++i) {
    d.pop(d.front_key());
    d.set(std::to_string(i), i);
  }
  EXPECT_EQ(d.size(), static_cast<std::size_t>(kEntries));
  EXPECT_EQ(d.slot_count(), slots);
  EXPECT_EQ(d.front_key(), std::to_string(99 * kEntries));
  for (int i = 99 * kEntries; i < 100 * kEntries; ++i) {
    ASSERT_EQ(d.at(std::to_string(i)), i);
  }
}

TEST(FlatOrderedDictTest, MovedFromDictIsEmptyAndUsable) {
  OrderedDict<std::string, int> a;
  a.set("x", 1);
  a.set("y", 2);
  OrderedDict<std::string, int> b(std::move(a));
  EXPECT_EQ(b.keys(), (Keys{"x", "y"}));
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): documented
  a.set("z", 3);
  EXPECT_EQ(a.keys(), (Keys{"z"}));
  a = std::move(b);
  EXPECT_EQ(a.keys(), (Keys{"x", "y"}));
}

// Entry numbers (the flat dicts): one stable handle per resident key, kept
// across growth and reordering, below entry_limit(), reused after an erase.
template <class D>
class EntryNumberTest : public ::testing::Test {};
using EntryDicts =
    ::testing::Types<OrderedDict<std::string, int>,
                     OrderedDict<std::string, int, CollidingHash>,
                     AbslOrderedDict<std::string, int>>;
TYPED_TEST_SUITE(EntryNumberTest, EntryDicts);

TYPED_TEST(EntryNumberTest, StableAcrossGrowthAndReorder) {
  TypeParam d;
  EXPECT_EQ(d.find_entry("absent"), TypeParam::kNoEntry);
  std::vector<typename TypeParam::entry_type> entries;
  for (int i = 0; i < 1000; ++i) {
    const auto [e, inserted] = d.insert_or_assign(std::to_string(i), i);
    ASSERT_TRUE(inserted);
    ASSERT_NE(e, TypeParam::kNoEntry);
    entries.push_back(e);
  }
  d.move_to_end("3");
  d.move_to_end_entry(entries[5]);
  EXPECT_EQ(d.back_key(), "5");
  const auto [again, inserted] = d.insert_or_assign("7", 70);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(again, entries[7]);
  for (int i = 0; i < 1000; ++i) {
    const auto e = d.find_entry(std::to_string(i));
    ASSERT_EQ(e, entries[i]);
    ASSERT_LT(e, d.entry_limit());
    ASSERT_EQ(d.key_of(e), std::to_string(i));
    ASSERT_EQ(d.value_of(e), i == 7 ? 70 : i);
  }
  for (auto it = d.begin(); it != d.end(); ++it) {
    ASSERT_EQ(it.entry(), d.find_entry(it.key()));
  }
  d.pop("10");
  EXPECT_EQ(d.find_entry("10"), TypeParam::kNoEntry);
  EXPECT_EQ(d.insert_or_assign("new", 1).first, entries[10]);  // reused
}

// EntryState over every dict: a new key's state is the initial one, a
// re-stored key keeps its own, states follow their keys through growth and
// removals (an array by entry number over the flat dicts, a side table
// over the others).
template <class D>
class EntryStateTest : public ::testing::Test {};
using SizedDicts =
    ::testing::Types<OrderedDict<std::string, SizedObject>,
                     OrderedDict<std::string, SizedObject, CollidingHash>,
                     AbslOrderedDict<std::string, SizedObject>,
                     NodeOrderedDict<std::string, SizedObject>,
                     NaiveOrderedDict<std::string, SizedObject>>;
TYPED_TEST_SUITE(EntryStateTest, SizedDicts);

TYPED_TEST(EntryStateTest, FollowsItsKeys) {
  static_assert(
      internal::kHasEntryNumbers<TypeParam> ==
      (std::is_same_v<TypeParam, OrderedDict<std::string, SizedObject>> ||
       std::is_same_v<TypeParam,
                      OrderedDict<std::string, SizedObject, CollidingHash>> ||
       std::is_same_v<TypeParam, AbslOrderedDict<std::string, SizedObject>>));
  TypeParam d;
  internal::EntryState<TypeParam, int> state;
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(state.store(d, std::to_string(i), SizedObject{i}, -1), 0);
    *state.find(d, std::to_string(i)) = 1000 + i;
  }
  // The old object's size comes back; the state stays.
  EXPECT_EQ(state.store(d, "4", SizedObject{40}, -1), 4);
  EXPECT_EQ(*state.find(d, "4"), 1004);
  EXPECT_EQ(d.at("4").size, 40);
  for (int i = 0; i < 500; i += 2) {
    EXPECT_EQ(state.remove(d, std::to_string(i)).size, i == 4 ? 40 : i);
  }
  EXPECT_EQ(state.find(d, "0"), nullptr);
  EXPECT_THROW(state.remove(d, "0"), KeyNotFoundError);
  for (int i = 500; i < 800; ++i) {
    state.store(d, std::to_string(i), SizedObject{i}, -1);
  }
  auto it = d.begin();
  EXPECT_EQ(it.key(), "1");
  state.move_to_end(d, it);
  EXPECT_EQ(d.back_key(), "1");
  EXPECT_EQ(state.of(d, it), 1001);
  for (int i = 1; i < 800; ++i) {
    const int* s = state.find(d, std::to_string(i));
    if (i < 500 && i % 2 == 0) {
      ASSERT_EQ(s, nullptr) << i;
    } else {
      ASSERT_NE(s, nullptr) << i;
      ASSERT_EQ(*s, i < 500 ? 1000 + i : -1) << i;
    }
  }
}

}  // namespace
}  // namespace evictlab
