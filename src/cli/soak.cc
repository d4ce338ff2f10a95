// `evictlab soak`: streams the KV workload generator (sim/kv_generate.h,
// generate_kv_requests) into the KV request loop (sim/kv_replay.h,
// KvReplayer) for one policy, so 10^8 block references run in bounded
// memory: no trace is materialised, only a window of requests.
//
// Every --check-every block references (at the next request boundary) it
// checks that
//   - the bytes resident (the sum of the dict's sizes) <= the capacity,
//   - the evictor's view agrees: current_cache_size() == the dict's sum
//     (for evictors that keep one),
//   - the process RSS (/proc/self/statm), once the cache is full, stays
//     within --rss-tolerance-mib of its value at "full",
// and prints one line per interval. "Full" is the first check at which the
// evictions reach twice the cache's blocks: the cache has then turned over
// twice, so the dict (which holds more than B blocks while partial blocks
// are resident), the evictor's tables (ARC's and S3-FIFO's ghosts grow to
// their bound only as victims arrive) and the window have reached their
// high-water marks; from there they are reused, and a leak or an unbounded
// table shows as RSS growth. The first eviction is too early a baseline:
// ARC's RSS still rises 24 % after it on the default workload.
//
// NOTE: glibc's malloc raises its mmap threshold to the size of the largest
// mmap'd block freed so far, so after the dict's first rebuild (a same-size
// rehash that clears tombstones: ordered_dict.h) each later 8 MiB table
// comes from the heap, and the freed ones stay resident: under the default
// malloc, lru's RSS stepped 31.1 -> 39.6 -> 47.6 MiB at 42 M and 56 M
// references while the live memory stayed put (with the threshold fixed,
// 31.6 MiB at 46 M). That is the allocator's retention, not the program's
// memory, so the soak fixes the threshold at 1 MiB (mallopt) unless
// --default-malloc asks for glibc's own behaviour.
//
// Requests are replayed in windows of --window-blocks block references,
// reserved up front: a window sized in requests grew its vectors by doubling
// when a window of long requests came (lru's RSS stepped 8 MiB at 43 M
// references), which is the growth this tool looks for. Belady (a policy
// that needs the future) sees each reference's next access computed inside
// its window (compute_kv_next_access), so a block next used beyond the
// window counts as never used again: a bounded-look-ahead Belady, which is
// all a stream allows. The other policies ignore the window.
#include "src/cli/soak.h"

#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "evictlab/evictor.h"
#include "evictlab/registry.h"
#include "evictlab/sim/kv_generate.h"
#include "evictlab/sim/kv_replay.h"
#include "evictlab/sim/kv_trace.h"
#include "evictlab/sim/simulator.h"
#include "nlohmann/json.hpp"

namespace evictlab::cli {
namespace {

constexpr const char* kSoakUsage =
    "usage: evictlab soak --policy P|all [--ops N] [--check-every M]\n"
    "                     [--cache-blocks B] [--seed S] [--window-blocks W]\n"
    "                     [--rss-tolerance-mib T] [--json FILE]\n"
    "                     [--default-malloc]\n"
    "       evictlab soak --list-policies\n"
    "\n"
    "Replays N block references (default 10^8) of the generated KV workload\n"
    "(`evictlab generate kv` with its defaults and --seed S, default 1; made\n"
    "on the fly, never stored) through the KV simulator's request loop for\n"
    "policy P (a registry policy that evicts), in a cache of B full blocks\n"
    "(default 262144; capacity B x 512 tokens, 1 byte per token). Every M\n"
    "references (default 10^6) it checks occupancy <= capacity, that the\n"
    "evictor's current size equals the dict's, and the process RSS, and\n"
    "prints one line. Once the cache is full (evictions >= 2B), RSS may\n"
    "exceed its value then by at most T MiB (default 16). P all runs every\n"
    "evicting registry policy in turn, in this process (for the RSS figures\n"
    "of one policy, run it alone: scripts/soak does). --list-policies\n"
    "prints those policies, one a line. Requests are generated in windows\n"
    "of about W references (default 2^20); a policy needing the future sees\n"
    "next accesses within its window only. A run ends at the first request "
    "boundary at\n"
    "or past N references. The soak fixes glibc's mmap threshold at 1 MiB,\n"
    "so freed large tables leave the RSS (soak.cc says why);\n"
    "--default-malloc keeps glibc's dynamic threshold.\n"
    "--json FILE writes the summary and every interval as JSON.\n"
    "\n"
    "Exit status: 0 every check passed, 1 a check failed or FILE could not\n"
    "be written, 2 bad usage.\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::uint64_t parse_count(std::string_view option, std::string_view value,
                          std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t v = 0;
  const auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() ||
      end != value.data() + value.size() || v < lo || v > hi) {
    throw UsageError(fmt::format("{}: '{}' is not an integer in [{}, {}]",
                                 option, value, lo, hi));
  }
  return v;
}

struct Options {
  std::string policy;
  std::uint64_t ops = 100'000'000;
  std::uint64_t check_every = 1'000'000;
  std::uint64_t cache_blocks = 262'144;
  std::uint64_t seed = 1;
  std::uint64_t window = std::uint64_t{1} << 20;
  std::uint64_t rss_tolerance_mib = 16;
  std::string json;
  bool list = false;
  bool default_malloc = false;
};

// The registry's policies that evict, in registry order (dummy never does,
// so its cache is unbounded by design and not soaked).
std::vector<std::string> soak_policies() {
  std::vector<std::string> names;
  for_each_policy([&](auto p) {
    if constexpr (decltype(p)::kTraits.evicts) {
      names.emplace_back(decltype(p)::kTraits.name);
    }
  });
  return names;
}

Options parse(const std::vector<std::string_view>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view n = args[i];
    if (n == "--help" || n == "-h") throw UsageError("");
    if (n == "--list-policies") {
      o.list = true;
      continue;
    }
    if (n == "--default-malloc") {
      o.default_malloc = true;
      continue;
    }
    if (i + 1 >= args.size()) {
      throw UsageError(fmt::format("{}: a value is required", n));
    }
    const std::string_view v = args[++i];
    if (n == "--policy") {
      o.policy = std::string(v);
    } else if (n == "--ops") {
      o.ops = parse_count(n, v, 1, std::uint64_t{1} << 50);
    } else if (n == "--check-every") {
      o.check_every = parse_count(n, v, 1, std::uint64_t{1} << 50);
    } else if (n == "--cache-blocks") {
      o.cache_blocks = parse_count(n, v, 1, std::uint64_t{1} << 40);
    } else if (n == "--seed") {
      o.seed = parse_count(n, v, 0, UINT64_MAX);
    } else if (n == "--window-blocks") {
      o.window = parse_count(n, v, 1, std::uint64_t{1} << 28);
    } else if (n == "--rss-tolerance-mib") {
      o.rss_tolerance_mib = parse_count(n, v, 0, std::uint64_t{1} << 30);
    } else if (n == "--json") {
      o.json = std::string(v);
    } else {
      throw UsageError(fmt::format("unknown option '{}'", n));
    }
  }
  if (o.list) return o;
  if (o.policy.empty()) throw UsageError("--policy is required");
  if (o.policy == "all") {
    if (!o.json.empty()) {
      throw UsageError("--json: one policy per file; not with --policy all");
    }
    return o;
  }
  bool evicts = false;
  if (!with_policy_named(
          o.policy, [&](auto p) { evicts = decltype(p)::kTraits.evicts; })) {
    throw UsageError(fmt::format("--policy: unknown policy '{}'", o.policy));
  }
  if (!evicts) {
    throw UsageError(fmt::format(
        "--policy: '{}' never evicts, so its cache cannot stay bounded",
        o.policy));
  }
  return o;
}

// Resident set size in bytes, from /proc/self/statm (its second field, in
// pages). 0 when it cannot be read (then the RSS check is void; said below).
std::uint64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

double mib(std::uint64_t bytes) { return bytes / 1048576.0; }

struct Check {
  std::uint64_t ops = 0, requests = 0, resident_blocks = 0, used = 0,
                evictions = 0, rss = 0;
  double seconds = 0, block_hit_ratio = 0;
};

// Whether an evictor tracks ids beyond the resident ones (ARC's ghosts in
// its slab): then the soak also reports how many it tracks, their bytes and
// the slab's high-water mark, which is what its memory follows.
template <class E, class = void>
inline constexpr bool kReportsTracked = false;
template <class E>
inline constexpr bool kReportsTracked<
    E, std::void_t<decltype(std::declval<const E&>().tracked_ids()),
                   decltype(std::declval<const E&>().tracked_bytes()),
                   decltype(std::declval<const E&>().slab_size())>> = true;

template <class Policy>
int run(const Options& o) {
  using Replayer = sim::KvReplayer<Policy>;
  const std::uint64_t capacity = o.cache_blocks * sim::kKvBlockTokens;
  if (capacity > sim::kMaxCapacity) {
    throw UsageError("--cache-blocks: the capacity exceeds 2^53 tokens");
  }
  Replayer replayer(capacity, 1);
  sim::KvGenParams gen;
  gen.requests = std::uint64_t{1} << 40;  // stopped by --ops
  gen.seed = o.seed;

  // The most blocks one request has (kv_generate.h: chat is capped by its
  // context, rag and scan are fixed), so a window never outgrows its
  // reservation.
  const std::uint64_t max_request =
      std::max({gen.max_context_blocks,
                gen.system_prompt_blocks + gen.doc_blocks + gen.query_blocks,
                gen.scan_blocks});
  sim::KvTrace window;
  window.blocks.reserve(o.window + max_request);
  window.offsets.reserve(o.window + 2);
  window.input_length.reserve(o.window + 1);
  if constexpr (Replayer::kFuture) {
    window.next_access.reserve(o.window + max_request);
  }
  std::uint64_t ops = 0, base = 0, next_check = o.check_every;
  std::uint64_t max_used = 0, rss_full = 0, rss_max_after_full = 0;
  bool full = false;
  std::string failure;
  nlohmann::json intervals = nlohmann::json::array();
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t rss_start = rss_bytes();

  auto check = [&]() {
    const auto& dict = replayer.dict();
    std::uint64_t used = 0;
    for (auto it = dict.begin(); it != dict.end(); ++it) {
      used += static_cast<std::uint64_t>(it.value().size);
    }
    max_used = std::max(max_used, used);
    const sim::KvSimResult& r = replayer.result();
    Check c;
    c.ops = ops;
    c.requests = r.n_req;
    c.resident_blocks = dict.size();
    c.used = used;
    c.evictions = r.n_evict;
    c.rss = rss_bytes();
    c.block_hit_ratio = r.block_hit_ratio();
    c.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (used > capacity) {
      failure = fmt::format("occupancy {} bytes exceeds the capacity {}", used,
                            capacity);
    }
    if constexpr (kKeepsCurrentSize<typename Replayer::Evictor>) {
      const auto current =
          static_cast<double>(replayer.evictor().current_cache_size());
      if (current != static_cast<double>(used)) {
        failure =
            fmt::format("the evictor's current size {} != the dict's {} bytes",
                        current, used);
      }
    }
    std::string note;
    if (full) {
      rss_max_after_full = std::max(rss_max_after_full, c.rss);
      if (c.rss > rss_full + o.rss_tolerance_mib * 1048576) {
        failure = fmt::format(
            "RSS {:.1f} MiB grew more than {} MiB over {:.1f} MiB at full",
            mib(c.rss), o.rss_tolerance_mib, mib(rss_full));
      }
    } else if (r.n_evict >= 2 * o.cache_blocks) {
      full = true;
      rss_full = rss_max_after_full = c.rss;
      note = "  (full: RSS baseline)";
    }
    nlohmann::json interval = {{"ops", c.ops},
                               {"requests", c.requests},
                               {"resident_blocks", c.resident_blocks},
                               {"used_bytes", c.used},
                               {"evictions", c.evictions},
                               {"block_hit_ratio", c.block_hit_ratio},
                               {"rss_bytes", c.rss},
                               {"seconds", c.seconds}};
    std::string tracked;
    if constexpr (kReportsTracked<typename Replayer::Evictor>) {
      const auto& e = replayer.evictor();
      interval["tracked_ids"] = e.tracked_ids();
      interval["tracked_bytes"] = e.tracked_bytes();
      interval["slab_size"] = e.slab_size();
      tracked = fmt::format(
          " tracked={} tracked_bytes={:.3f}C slab={}", e.tracked_ids(),
          static_cast<double>(e.tracked_bytes()) / capacity, e.slab_size());
    }
    fmt::print(
        "{} ops={} requests={} blocks={} used={:.4f} evictions={} "
        "block_hit={:.4f}{} rss_mib={:.1f} s={:.1f}{}\n",
        o.policy, c.ops, c.requests, c.resident_blocks,
        static_cast<double>(used) / capacity, c.evictions, c.block_hit_ratio,
        tracked, mib(c.rss), c.seconds, note);
    std::fflush(stdout);
    intervals.push_back(std::move(interval));
  };

  // Replays the window; returns false once a check failed or --ops is met.
  auto drain = [&]() {
    if constexpr (Replayer::kFuture) {
      sim::compute_kv_next_access(window);
      // Window-relative indices -> stream-wide, so windows compare.
      for (auto& x : window.next_access) {
        if (x >= 0) x += static_cast<std::int64_t>(base);
      }
    }
    bool go_on = true;
    for (std::size_t q = 0; q < window.size() && go_on; ++q) {
      const std::uint64_t begin = window.offsets[q];
      const std::uint64_t n = window.n_blocks(q);
      replayer.request(
          window.blocks.data() + begin, n, window.input_length[q],
          Replayer::kFuture ? window.next_access.data() + begin : nullptr,
          true);
      ops += n;
      if (ops >= next_check || ops >= o.ops) {
        check();
        while (next_check <= ops) next_check += o.check_every;
        go_on = failure.empty() && ops < o.ops;
      }
    }
    base += window.blocks.size();
    // clear() keeps the vectors' capacity: the window's memory is reused.
    window.blocks.clear();
    window.offsets.resize(1);
    window.input_length.clear();
    window.next_access.clear();
    return go_on;
  };

  bool go_on = true;
  std::uint64_t queued = 0;
  sim::generate_kv_requests(gen, [&](const sim::KvGenRequest& req) {
    window.add_request(req.ids, req.n, req.input_length);
    queued += req.n;
    if (window.blocks.size() >= o.window || ops + queued >= o.ops) {
      queued = 0;
      go_on = drain();
    }
    return go_on;
  });

  const sim::KvSimResult& r = replayer.result();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const std::uint64_t rss_end = rss_bytes();
  if (failure.empty() && !full) {
    fmt::print(
        "{}: note: the cache never turned over twice, so RSS was not "
        "checked; raise --ops or lower --cache-blocks\n",
        o.policy);
  }
  if (rss_end == 0) {
    fmt::print("{}: note: /proc/self/statm unreadable, RSS not checked\n",
               o.policy);
  }
  fmt::print(
      "{} {}: ops={} requests={} seconds={:.1f} ops_per_s={:.3g} "
      "rss_start_mib={:.1f} rss_full_mib={:.1f} rss_end_mib={:.1f} "
      "max_occupancy={:.4f} block_hit={:.4f}{}\n",
      failure.empty() ? "PASS" : "FAIL", o.policy, ops, r.n_req, seconds,
      seconds > 0 ? ops / seconds : 0.0, mib(rss_start), mib(rss_full),
      mib(rss_end), static_cast<double>(max_used) / capacity,
      r.block_hit_ratio(), failure.empty() ? "" : ": " + failure);
  if (!o.json.empty()) {
    nlohmann::json doc = {
        {"policy", o.policy},
        {"ops", ops},
        {"requests", r.n_req},
        {"seed", o.seed},
        {"cache_blocks", o.cache_blocks},
        {"capacity_bytes", capacity},
        {"check_every", o.check_every},
        {"window_blocks", o.window},
        {"rss_tolerance_mib", o.rss_tolerance_mib},
        {"default_malloc", o.default_malloc},
        {"seconds", seconds},
        {"rss_start_bytes", rss_start},
        {"rss_full_bytes", rss_full},
        {"rss_max_after_full_bytes", rss_max_after_full},
        {"rss_end_bytes", rss_end},
        {"max_used_bytes", max_used},
        {"max_occupancy", static_cast<double>(max_used) / capacity},
        {"block_hit_ratio", r.block_hit_ratio()},
        {"token_hit_ratio", r.token_hit_ratio()},
        {"evictions", r.n_evict},
        {"store_failures", r.n_store_failure},
        {"passed", failure.empty()},
        {"failure", failure},
        {"intervals", intervals}};
    std::ofstream out(o.json);
    out << doc.dump(1) << '\n';
    out.close();
    if (!out) {
      fmt::print(stderr, "evictlab soak: {}: cannot write\n", o.json);
      return 1;
    }
  }
  return failure.empty() ? 0 : 1;
}

}  // namespace

int soak(const std::vector<std::string_view>& args) {
  try {
    const Options o = parse(args);
    if (!o.default_malloc) mallopt(M_MMAP_THRESHOLD, 1 << 20);
    if (o.list) {
      for (const std::string& name : soak_policies()) fmt::print("{}\n", name);
      return 0;
    }
    const std::vector<std::string> policies =
        o.policy == "all" ? soak_policies() : std::vector{o.policy};
    int status = 0;
    std::size_t passed = 0;
    for (const std::string& name : policies) {
      Options one = o;
      one.policy = name;
      with_policy_named(name, [&](auto p) {
        if constexpr (decltype(p)::kTraits.evicts) {
          const int one_status = run<decltype(p)>(one);
          if (one_status == 0) ++passed;
          status = std::max(status, one_status);
        }
      });
    }
    if (policies.size() > 1) {
      if (passed == policies.size()) {
        fmt::print("soak: all {} policies passed\n", passed);
      } else {
        fmt::print("soak: {} of {} policies passed\n", passed, policies.size());
      }
    }
    return status;
  } catch (const UsageError& e) {
    if (*e.what() == '\0') {
      fmt::print("{}", kSoakUsage);
      return 0;
    }
    fmt::print(stderr, "evictlab soak: {}\n{}", e.what(), kSoakUsage);
    return 2;
  }
}

}  // namespace evictlab::cli
