// The contract suite (policy_contract_suite.h) for every policy over every
// dict of the registry: a policy added to AllPolicies, or a dict added to
// AllDicts, joins here with no edit. Test names read `<policy>_<dict>`.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "evictlab/registry.h"
#include "tests/policy_contract_suite.h"

namespace evictlab::testing {
namespace {

template <class Tuple>
struct AsGTestTypes;
template <class... Ts>
struct AsGTestTypes<std::tuple<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

struct ComboName {
  template <class Combo>
  static std::string GetName(int) {
    return std::string(Combo::Policy::kTraits.name) + "_" +
           std::string(Combo::DictSel::kName);
  }
};

using EveryPolicyOverEveryDict = AsGTestTypes<AllPolicyDicts>::type;
INSTANTIATE_TYPED_TEST_SUITE_P(Registry, PolicyContractTest,
                               EveryPolicyOverEveryDict, ComboName);

}  // namespace
}  // namespace evictlab::testing
