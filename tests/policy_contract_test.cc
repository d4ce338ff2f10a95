// The contract suite (policy_contract_suite.h) for every policy over every
// dict of the registry: this file takes the first half of AllDicts,
// policy_contract_test_more_dicts.cc (the same binary) the second
// (policy_contract_instantiation.h says why). A policy added to AllPolicies,
// or a dict added to AllDicts, joins here with no edit. Test names read
// `<policy>_<dict>`.
#include "tests/policy_contract_instantiation.h"

namespace evictlab::testing {
namespace {

INSTANTIATE_TYPED_TEST_SUITE_P(Registry, PolicyContractTest,
                               PolicyDictHalf<true>, ComboName);

}  // namespace
}  // namespace evictlab::testing
