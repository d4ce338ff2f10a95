// The cache lines one hit (contains + update_on_get) of a policy over a dict
// must touch, derived from the dict's layout (docs/PERFORMANCE.md, "The
// independent-access floor"). BM_MemoryFloor's independent-access variant
// reads that many random lines per operation, and the tools divide each
// UpdateOnGet by the floor of its count (evictlab_bench --evictlab_list_cases
// gives every UpdateOnGet case its `hit_lines`).
//
// The count is the structure's lines only: the lookup (table, and the key
// where the table does not hold it), the order links a promotion rewrites
// (the entry's own and its two neighbours'; the newest end is hot), and one
// line of per-entry hit state. A key's own heap buffers (std::string and
// CacheEngineKey text, read when the identity check of a HashedKey cannot
// decide) are left out, so for `str`/`cek` keys and fresh keys the floor is
// lower than their real limit.
//
// Pure functions; thread-safe.
#ifndef EVICTLAB_BENCH_COMMON_HIT_LINES_H_
#define EVICTLAB_BENCH_COMMON_HIT_LINES_H_

#include <string_view>

#include "evictlab/policy_traits.h"

namespace evictlab::bench {

struct DictHitLines {
  int lookup = 0;   // lines a successful find reads
  int promote = 0;  // further lines move_to_end(key) reads and writes
};

// NOTE: keep in step with the layout comments of the dict headers.
constexpr DictHitLines dict_hit_lines(std::string_view dict) {
  // flat: the 32-byte group (four tags and their entry numbers), then the
  // entry's key in the slab's key array (a HashedKey's handle decides
  // identity there). Promotion: the entry's 8-byte link and both
  // neighbours' links, three random lines of the link array.
  if (dict == "flat") return {2, 3};
  // absl: the control group, then the slot {key, entry number} (the key
  // copy in the slot decides); the same slab links as flat.
  if (dict == "absl") return {2, 3};
  // node: the control group, the slot's node pointer, the node (key, value
  // and intrusive links together); promotion adds both neighbours' nodes.
  if (dict == "node") return {3, 2};
  // naive: the bucket, the hash node (key + list iterator); promotion
  // splices the list node and touches both neighbours' list nodes.
  if (dict == "naive") return {2, 3};
  return {};
}

// 0 for a dict this file does not know.
constexpr int hit_lines(std::string_view dict, const PolicyTraits& traits) {
  const DictHitLines d = dict_hit_lines(dict);
  if (d.lookup == 0) return 0;
  int lines = d.lookup;
  if (traits.promotes_on_hit && traits.order_in_dict) lines += d.promote;
  if (traits.per_entry_hit_state) lines += 1;
  return lines;
}

// The largest count any dict and policy gives (the floor registers 1..this
// only for counts some case uses, see memory_floor_benchmark.cc).
inline constexpr int kMaxHitLines = 8;

}  // namespace evictlab::bench

#endif  // EVICTLAB_BENCH_COMMON_HIT_LINES_H_
