// The second half of AllDicts for policy_contract_test (see
// policy_contract_test.cc).
#include "tests/policy_contract_instantiation.h"

namespace evictlab::testing {
namespace {

INSTANTIATE_TYPED_TEST_SUITE_P(RegistryMoreDicts, PolicyContractTest,
                               PolicyDictHalf<false>, ComboName);

}  // namespace
}  // namespace evictlab::testing
