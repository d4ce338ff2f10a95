// `evictlab simulate --shards N` (sim/sharded_replay.h): one shard is the
// unsharded simulation exactly, for every simulator policy, so that the
// differences at N > 1 (docs/CONCURRENCY.md) are the partition's alone.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evictlab/sim/simulator.h"
#include "evictlab/sim/trace.h"

namespace evictlab::sim {
namespace {

const std::string kTrace = EVICTLAB_SOURCE_DIR
    "/../shared/traces/libcachesim/cloudPhysicsIO.oracleGeneral.bin";

std::vector<SimResult> run(const Trace& t, const std::vector<SimJob>& jobs,
                           std::size_t shards, bool ignore_obj_size = false) {
  SimOptions o;
  o.shards = shards;
  o.ignore_obj_size = ignore_obj_size;
  return simulate_all(t, jobs, o, 0);
}

std::vector<SimJob> every_policy(std::vector<std::uint64_t> sizes) {
  std::vector<SimJob> jobs;
  for (const std::string& p : simulator_policies()) {
    for (std::uint64_t c : sizes) jobs.push_back({p, c});
  }
  return jobs;
}

void expect_equal(const std::vector<SimResult>& a,
                  const std::vector<SimResult>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].policy + " at " + std::to_string(a[i].cache_size));
    EXPECT_EQ(a[i].n_req, b[i].n_req);
    EXPECT_EQ(a[i].n_req_byte, b[i].n_req_byte);
    EXPECT_EQ(a[i].n_miss, b[i].n_miss);
    EXPECT_EQ(a[i].n_miss_byte, b[i].n_miss_byte);
  }
}

TEST(ShardedSimulationTest, OneShardIsTheUnshardedSimulationExactly) {
  const Trace t = read_trace(kTrace, TraceFormat::kOracleGeneral);
  // One size each (under ASan every simulation of the trace takes ~0.4 s of
  // CPU): the golden size, and one where the shards' effects show.
  const auto jobs = every_policy({std::uint64_t{1} << 27});
  const auto sharded = run(t, jobs, 1);
  expect_equal(sharded, run(t, jobs, 0));
  // libCacheSim's lru at 128 MiB (../shared/golden-sim), through one shard.
  EXPECT_EQ(sharded[0].policy, "lru");
  EXPECT_EQ(sharded[0].n_miss, 93374u);
}

TEST(ShardedSimulationTest, OneShardIsTheUnshardedSimulationCountingObjects) {
  const Trace t = read_trace(kTrace, TraceFormat::kOracleGeneral);
  const auto jobs = every_policy({1000});
  expect_equal(run(t, jobs, 1, true), run(t, jobs, 0, true));
}

TEST(ShardedSimulationTest, ShardsChangeTheResultDeterministically) {
  const Trace t = read_trace(kTrace, TraceFormat::kOracleGeneral);
  const std::vector<SimJob> jobs = {{"lru", 1000}, {"s3fifo", 1000}};
  const auto one = run(t, jobs, 1, true);
  const auto eight = run(t, jobs, 8, true);
  // The same partition in every run (integer ids are mixed, not hashed
  // with absl's per-process seed).
  expect_equal(run(t, jobs, 8, true), eight);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_NE(one[i].n_miss, eight[i].n_miss) << jobs[i].policy;
  }
}

TEST(ShardedSimulationTest, MoreShardsThanBytesIsAnError) {
  const Trace t = read_trace(kTrace, TraceFormat::kOracleGeneral);
  SimOptions o;
  o.shards = 9;
  EXPECT_THROW(simulate(t, "lru", 8, o), std::invalid_argument);
}

}  // namespace
}  // namespace evictlab::sim
