// The dict registry: every ordered dict a policy can run over, in one list.
// The dict is an axis of its own, independent of the policy (as CacheLib's
// CacheTraits keeps the eviction policy apart from the index): each
// benchmark case, contract test and tool names both.
//
// Every dict offers OrderedDict's interface (ordered_dict.h) plus
// `rbegin()/rend()` (newest first).
#ifndef EVICTLAB_DICTS_H_
#define EVICTLAB_DICTS_H_

#include <string_view>
#include <tuple>

#include "evictlab/absl_ordered_dict.h"
#include "evictlab/naive_ordered_dict.h"
#include "evictlab/node_ordered_dict.h"
#include "evictlab/ordered_dict.h"

namespace evictlab {

struct FlatDict {
  static constexpr std::string_view kName = "flat";
  static constexpr std::string_view kDescription =
      "OrderedDict: hand-written open-addressing table (SSE2 tag groups) + "
      "index-linked slab";
  template <class K, class V>
  using Type = OrderedDict<K, V>;
};

struct AbslDict {
  static constexpr std::string_view kName = "absl";
  static constexpr std::string_view kDescription =
      "AbslOrderedDict: absl::flat_hash_map<key, entry number> + the same "
      "index-linked slab";
  template <class K, class V>
  using Type = AbslOrderedDict<K, V>;
};

struct NodeDict {
  static constexpr std::string_view kName = "node";
  static constexpr std::string_view kDescription =
      "NodeOrderedDict: absl::node_hash_map nodes + intrusive list";
  template <class K, class V>
  using Type = NodeOrderedDict<K, V>;
};

struct NaiveDict {
  static constexpr std::string_view kName = "naive";
  static constexpr std::string_view kDescription =
      "NaiveOrderedDict: std::list + std::unordered_map (the baseline)";
  template <class K, class V>
  using Type = NaiveOrderedDict<K, V>;
};

// Registry order is display order. The first is the default: the dict the
// replayer and the tools use unless told otherwise (docs/PERFORMANCE.md
// "Which structure won" has the measurements behind the choice).
using AllDicts = std::tuple<FlatDict, AbslDict, NodeDict, NaiveDict>;
using DefaultDict = std::tuple_element_t<0, AllDicts>;

}  // namespace evictlab

#endif  // EVICTLAB_DICTS_H_
