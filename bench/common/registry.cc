#include "bench/common/registry.h"

#include <fmt/format.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "bench/common/hit_lines.h"
#include "bench/common/workload.h"
#include "evictlab/registry.h"
#include "nlohmann/json.hpp"

namespace evictlab::bench {
namespace {

std::string& current_name() {
  static std::string name;
  return name;
}

std::uint64_t serial = 0;
bool fresh_states = false;

struct Registered {
  Case record;
  benchmark::internal::Benchmark* benchmark;
};

std::vector<Registered>& all_cases() {
  static std::vector<Registered> cases;
  return cases;
}

nlohmann::json or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

}  // namespace

std::string Case::name() const {
  std::string out = "BM_" + family;
  if (!policy.empty()) out += "/" + policy;
  if (!dict.empty()) out += "/dict:" + dict;
  if (!kv.empty()) out += "/" + kv;
  if (!key.empty()) out += "/" + key;
  if (entries != 0) out += fmt::format("/entries:{}", entries);
  if (!variant.empty()) out += "/" + variant;
  return out;
}

benchmark::internal::Benchmark* add(const Case& c,
                                    std::function<void(benchmark::State&)> fn) {
  const std::string name = c.name();
  auto* b = benchmark::RegisterBenchmark(
      name.c_str(), [name, fn = std::move(fn)](benchmark::State& bm) {
        // A case run by several threads (->Threads) enters here once per
        // thread: one writes the name, so that they do not race on it.
        if (bm.thread_index() == 0) {
          current_name() = name;
          ++serial;
        }
        fn(bm);
      });
  all_cases().push_back({c, b});
  return b;
}

const std::string& current_case() { return current_name(); }

void set_fixed_iterations(benchmark::IterationCount n) {
  for (auto& c : all_cases()) c.benchmark->Iterations(n);
  fresh_states = true;
}

bool fresh_state_per_case() { return fresh_states; }

std::uint64_t case_serial() { return serial; }

void print_case_list() {
  using nlohmann::json;
  json doc;
  doc["schema"] = "evictlab.cases/1";
  json policies = json::array();
  for_each_policy([&](auto p) {
    const PolicyTraits& t = decltype(p)::kTraits;
    policies.push_back({
        {"name", std::string(t.name)},
        {"reproduces", std::string(t.reproduces)},
        {"promotes_on_hit", t.promotes_on_hit},
        {"throws_on_missing_hit", t.throws_on_missing_hit},
        {"evicts", t.evicts},
        {"may_reject_put", t.may_reject_put},
        {"needs_future_knowledge", t.needs_future_knowledge},
        {"exact_accounting", t.exact_accounting},
        {"victim_end", std::string(victim_end_name(t.victim_end))},
        {"per_entry_hit_state", t.per_entry_hit_state},
        {"order_in_dict", t.order_in_dict},
    });
  });
  doc["policies"] = std::move(policies);
  json dicts = json::array();
  for_each_dict([&](auto d) {
    using D = decltype(d);
    dicts.push_back({{"name", std::string(D::kName)},
                     {"default", std::is_same_v<D, DefaultDict>},
                     {"description", std::string(D::kDescription)}});
  });
  doc["dicts"] = std::move(dicts);
  json kvs = json::array();
  for (KVKind kind : kAllKVKinds) kvs.push_back(std::string(kv_name(kind)));
  doc["kv_kinds"] = std::move(kvs);
  json keys = json::array();
  for (KeyKind kind : kAllKeyKinds) keys.push_back(std::string(key_name(kind)));
  doc["key_kinds"] = std::move(keys);
  json cases = json::array();
  for (const Registered& r : all_cases()) {
    const Case& c = r.record;
    json record = {
        {"name", c.name()},
        {"family", c.family},
        {"policy", or_null(c.policy)},
        {"dict", or_null(c.dict)},
        {"kv", or_null(c.kv)},
        {"key", or_null(c.key)},
        {"entries", c.entries == 0 ? json(nullptr) : json(c.entries)},
        {"variant", c.variant}};
    // The lines a hit touches (hit_lines.h): which independent-access
    // BM_MemoryFloor the tools divide this hit by.
    if (c.family == "UpdateOnGet") {
      int lines = 0;
      with_policy_named(c.policy, [&](auto p) {
        lines = hit_lines(c.dict, decltype(p)::kTraits);
      });
      record["hit_lines"] = lines > 0 ? json(lines) : json(nullptr);
    }
    cases.push_back(std::move(record));
  }
  doc["cases"] = std::move(cases);
  std::fputs(doc.dump(1).c_str(), stdout);
  std::fputs("\n", stdout);
}

}  // namespace evictlab::bench
