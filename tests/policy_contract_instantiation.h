// The contract suite's instantiation over every policy of the registry and a
// range of its dicts, so that the instantiations can be split across
// translation units (policy_contract_test.cc and
// policy_contract_test_more_dicts.cc: one binary, two halves of AllDicts).
// Why split: instantiating the suite for every (policy, dict) pair in one
// file was the longest compile of the build, on the critical path of both
// CI builds (97 s in the release build, 163 s under ASan, 2-core machine;
// .ninja_log of a CI run). A policy added to AllPolicies, or a dict added
// to AllDicts, joins with no edit. Test names read `<policy>_<dict>`.
#ifndef EVICTLAB_TESTS_POLICY_CONTRACT_INSTANTIATION_H_
#define EVICTLAB_TESTS_POLICY_CONTRACT_INSTANTIATION_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <tuple>
#include <utility>

#include "evictlab/registry.h"
#include "tests/policy_contract_suite.h"

namespace evictlab::testing {

template <class Tuple>
struct AsGTestTypes;
template <class... Ts>
struct AsGTestTypes<std::tuple<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

// AllDicts' dicts [begin, end), as a tuple.
template <std::size_t kBegin, class Seq>
struct DictSlice;
template <std::size_t kBegin, std::size_t... Is>
struct DictSlice<kBegin, std::index_sequence<Is...>> {
  using type = std::tuple<std::tuple_element_t<kBegin + Is, AllDicts>...>;
};
template <std::size_t kBegin, std::size_t kEnd>
using DictsBetween =
    typename DictSlice<kBegin, std::make_index_sequence<kEnd - kBegin>>::type;

// Every policy over the first half of AllDicts (kFirstHalf) or the second.
inline constexpr std::size_t kDictCount = std::tuple_size_v<AllDicts>;
template <bool kFirstHalf>
using PolicyDictHalf = typename AsGTestTypes<typename internal::Product<
    AllPolicies,
    std::conditional_t<kFirstHalf, DictsBetween<0, kDictCount / 2>,
                       DictsBetween<kDictCount / 2, kDictCount>>>::type>::type;

struct ComboName {
  template <class Combo>
  static std::string GetName(int) {
    return std::string(Combo::Policy::kTraits.name) + "_" +
           std::string(Combo::DictSel::kName);
  }
};

}  // namespace evictlab::testing

#endif  // EVICTLAB_TESTS_POLICY_CONTRACT_INSTANTIATION_H_
