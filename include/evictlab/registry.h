// The policy registry: every policy the lab knows, in one list.
//
// A policy is a struct with `static constexpr PolicyTraits kTraits` and
// `template <class Dict> using Evictor = ...` (an evictor offering evictor.h's
// interface). Everything else — the typed contract suite, the benchmark
// matrix, the gate's cases, the trace replayer, the tools through
// `evictlab_bench --evictlab_list_cases` — iterates over AllPolicies, so
// adding a policy is one header and one line here
// (docs/ADDING_A_POLICY.md).
#ifndef EVICTLAB_REGISTRY_H_
#define EVICTLAB_REGISTRY_H_

#include <string_view>
#include <tuple>
#include <utility>

#include "evictlab/arc_evictor.h"
#include "evictlab/belady_evictor.h"
#include "evictlab/clock_evictor.h"
#include "evictlab/dicts.h"
#include "evictlab/dummy_evictor.h"
#include "evictlab/fifo_evictor.h"
#include "evictlab/lfu_evictor.h"
#include "evictlab/lru_evictor.h"
#include "evictlab/mru_evictor.h"
#include "evictlab/s3fifo_evictor.h"
#include "evictlab/sieve_evictor.h"
#include "evictlab/strict_lru_evictor.h"

namespace evictlab {

// Registry order is display order.
using AllPolicies =
    std::tuple<LRUPolicy, StrictLRUPolicy, FIFOPolicy, MRUPolicy, ClockPolicy,
               LFUPolicy, SievePolicy, ARCPolicy, S3FIFOPolicy, BeladyPolicy,
               DummyPolicy>;

// One policy over one dict: the unit the contract suite and the benchmark
// matrix instantiate.
template <class PolicyT, class DictT>
struct PolicyOverDict {
  using Policy = PolicyT;
  using DictSel = DictT;
  template <class K, class V>
  using Dict = typename DictT::template Type<K, V>;
  template <class K, class V>
  using Evictor = typename PolicyT::template Evictor<Dict<K, V>>;
};

namespace internal {
template <class Policy, class... Dicts>
using OverEachDict = std::tuple<PolicyOverDict<Policy, Dicts>...>;
template <class Policies, class Dicts>
struct Product;
template <class... Policies, class... Dicts>
struct Product<std::tuple<Policies...>, std::tuple<Dicts...>> {
  using type = decltype(std::tuple_cat(
      std::declval<OverEachDict<Policies, Dicts...>>()...));
};
}  // namespace internal

// Every policy over every dict, policy-major.
using AllPolicyDicts = typename internal::Product<AllPolicies, AllDicts>::type;

// Calls f(Policy{}) for each policy (resp. dict) in registry order.
template <class F>
void for_each_policy(F&& f) {
  std::apply([&](auto... p) { (f(p), ...); }, AllPolicies{});
}
template <class F>
void for_each_dict(F&& f) {
  std::apply([&](auto... d) { (f(d), ...); }, AllDicts{});
}

// Calls f(Policy{}) for the policy named `name`; returns false if none is.
template <class F>
bool with_policy_named(std::string_view name, F&& f) {
  bool found = false;
  for_each_policy([&](auto p) {
    if (!found && decltype(p)::kTraits.name == name) {
      found = true;
      f(p);
    }
  });
  return found;
}

}  // namespace evictlab

#endif  // EVICTLAB_REGISTRY_H_
