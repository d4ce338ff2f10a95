#include "src/cli/simulate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "evictlab/sim/cache_sizes.h"
#include "evictlab/sim/param_arg.h"
#include "evictlab/sim/replay.h"
#include "evictlab/sim/simulator.h"
#include "evictlab/sim/trace.h"
#include "nlohmann/json.hpp"

namespace evictlab::cli {
namespace {

constexpr const char* kSimulateUsage =
    "usage: evictlab simulate [--trace] FILE --format FORMAT\n"
    "                         --policy NAME[,NAME...]|all --cache-sizes SIZES\n"
    "                         [--warmup-frac F] [--ignore-obj-size]\n"
    "                         [--threads N] [--json FILE|-] [csv options]\n"
    "\n"
    "Replays a trace against a byte-sized cache per policy and cache size\n"
    "(../shared/SIM-SPEC.md) and prints a table of miss ratios.\n"
    "\n"
    "  --format         oraclegeneral, vscsi, csv or txt\n"
    "  --policy         registry policies that evict, comma-separated, or all\n"
    "  --cache-sizes    bytes with optional KiB/MiB/GiB/TiB, comma-separated,\n"
    "                   or START:STOP:STEP (e.g. 128MiB:1GiB:128MiB)\n"
    "  --warmup-frac F  the first floor(n*F) requests are applied, not "
    "counted\n"
    "  --ignore-obj-size  every size is 1 (capacities count objects)\n"
    "  --threads N      simulations in parallel (default: one per core);\n"
    "                   results do not depend on it\n"
    "  --json FILE|-    also write the results as JSON (- : stdout, then no "
    "table)\n"
    "  --param P.K=V    a policy parameter, e.g. s3fifo.fifo-size-ratio=0.2\n"
    "  csv: --csv-delimiter C --csv-header --csv-time-field N\n"
    "       --csv-id-field N --csv-size-field N --csv-id-is-string "
    "(1-based fields)\n"
    "\n"
    "Exit status: 0 done, 2 bad usage or malformed input.\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int parse_int(std::string_view option, std::string_view value, int lo, int hi) {
  int v = 0;
  const std::string text(value);
  std::size_t used = 0;
  try {
    v = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || v < lo || v > hi) {
    throw UsageError(fmt::format("{}: '{}' is not an integer in [{}, {}]",
                                 option, value, lo, hi));
  }
  return v;
}

double parse_fraction(std::string_view option, std::string_view value) {
  const std::string text(value);
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !(v >= 0.0 && v < 1.0)) {
    throw UsageError(
        fmt::format("{}: '{}' is not a fraction in [0, 1)", option, value));
  }
  return v;
}

struct Options {
  std::string trace;
  std::optional<sim::TraceFormat> format;
  std::string format_name;
  std::vector<std::string> policies;
  std::vector<std::uint64_t> cache_sizes;
  sim::SimOptions sim;
  sim::CsvOptions csv;
  unsigned threads = 0;
  std::optional<std::string> json;
};

Options parse(const std::vector<std::string_view>& args) {
  Options o;
  bool have_sizes = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view value;
    bool inline_value = false;
    if (const auto eq = arg.find('=');
        arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      inline_value = true;
    }
    auto need = [&]() -> std::string_view {
      if (inline_value) return value;
      if (i + 1 == args.size()) {
        throw UsageError(fmt::format("{} needs a value", arg));
      }
      return args[++i];
    };
    if (arg == "--trace") {
      o.trace = std::string(need());
    } else if (arg == "--format") {
      o.format_name = std::string(need());
      o.format = sim::trace_format_from_name(o.format_name);
      if (!o.format) {
        throw UsageError(fmt::format(
            "--format: unknown format '{}' (expected oraclegeneral, vscsi, "
            "csv or txt)",
            o.format_name));
      }
    } else if (arg == "--policy") {
      const std::string list(need());
      const auto known = sim::simulator_policies();
      if (list == "all") {
        o.policies = known;
      } else {
        std::size_t start = 0;
        while (start <= list.size()) {
          const std::size_t comma = list.find(',', start);
          const std::string name =
              list.substr(start, comma == std::string::npos ? std::string::npos
                                                            : comma - start);
          if (std::find(known.begin(), known.end(), name) == known.end()) {
            throw UsageError(fmt::format(
                "--policy: unknown policy '{}' (expected all or some of {})",
                name, fmt::join(known, ", ")));
          }
          o.policies.push_back(name);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
    } else if (arg == "--cache-sizes") {
      try {
        o.cache_sizes = sim::parse_cache_sizes(need());
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());  // names --cache-sizes and the item
      }
      // The parser takes any 64-bit size; the evictors account exactly up
      // to kMaxCapacity. Said here, before the trace is read.
      for (const std::uint64_t size : o.cache_sizes) {
        if (size > sim::kMaxCapacity) {
          throw UsageError(fmt::format(
              "--cache-sizes: {} ({} bytes) is above 2^53 bytes, the largest "
              "limit the evictors account exactly",
              sim::format_bytes(size), size));
        }
      }
      have_sizes = true;
    } else if (arg == "--warmup-frac") {
      o.sim.warmup_frac = parse_fraction(arg, need());
    } else if (arg == "--ignore-obj-size") {
      o.sim.ignore_obj_size = true;
    } else if (arg == "--threads") {
      o.threads = static_cast<unsigned>(parse_int(arg, need(), 1, 1024));
    } else if (arg == "--json") {
      o.json = std::string(need());
    } else if (arg == "--param") {
      // POLICY.NAME=VALUE; the policy checks NAME and VALUE when the run
      // starts (ConfigError naming the field).
      try {
        sim::add_param_arg(need(), o.sim.params);
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
    } else if (arg == "--csv-delimiter") {
      const std::string_view d = need();
      if (d.size() != 1) {
        throw UsageError(
            fmt::format("--csv-delimiter: '{}' is not a single character", d));
      }
      o.csv.delimiter = d[0];
    } else if (arg == "--csv-header") {
      o.csv.header = true;
    } else if (arg == "--csv-time-field") {
      o.csv.time_field = parse_int(arg, need(), 1, 1000);
    } else if (arg == "--csv-id-field") {
      o.csv.id_field = parse_int(arg, need(), 1, 1000);
    } else if (arg == "--csv-size-field") {
      o.csv.size_field = parse_int(arg, need(), 1, 1000);
    } else if (arg == "--csv-id-is-string") {
      o.csv.id_is_string = true;
    } else if (arg == "--help" || arg == "-h") {
      throw UsageError("");
    } else if (arg.empty() || arg[0] != '-') {
      // The trace may also be given as the one positional argument, as
      // libCacheSim's cachesim takes it.
      if (!o.trace.empty()) {
        throw UsageError(
            fmt::format("a second trace '{}' (one trace per run; already '{}')",
                        arg, o.trace));
      }
      o.trace = std::string(arg);
    } else {
      throw UsageError(fmt::format("unknown option '{}'", arg));
    }
  }
  if (o.trace.empty()) throw UsageError("a trace is required (--trace FILE)");
  if (!o.format) throw UsageError("--format is required");
  if (o.policies.empty()) throw UsageError("--policy is required");
  if (!have_sizes) throw UsageError("--cache-sizes is required");
  if (*o.format == sim::TraceFormat::kCsv && o.csv.id_field == 0) {
    throw UsageError("--format csv needs --csv-id-field");
  }
  return o;
}

nlohmann::json to_json(const Options& o,
                       const std::vector<sim::SimResult>& results) {
  nlohmann::json doc;
  doc["trace"] = o.trace;
  doc["format"] = o.format_name;
  doc["context"] = {
      {"warmup_frac", o.sim.warmup_frac},
      {"ignore_obj_size", o.sim.ignore_obj_size},
      {"threads", o.threads != 0
                      ? o.threads
                      : std::max(1u, std::thread::hardware_concurrency())}};
  nlohmann::json rows = nlohmann::json::array();
  for (const sim::SimResult& r : results) {
    rows.push_back({{"policy", r.policy},
                    {"cache_size", r.cache_size},
                    {"n_req", r.n_req},
                    {"n_req_byte", r.n_req_byte},
                    {"n_miss", r.n_miss},
                    {"n_miss_byte", r.n_miss_byte},
                    {"miss_ratio", r.miss_ratio()},
                    {"byte_miss_ratio", r.byte_miss_ratio()},
                    {"seconds", r.seconds},
                    {"req_per_s", r.req_per_s()}});
  }
  doc["results"] = std::move(rows);
  return doc;
}

void print_table(const std::vector<sim::SimResult>& results) {
  fmt::print("{:<12} {:>12} {:>10} {:>10} {:>10} {:>10} {:>12}\n", "policy",
             "cache size", "requests", "misses", "miss ratio", "byte miss",
             "req/s");
  for (const sim::SimResult& r : results) {
    fmt::print("{:<12} {:>12} {:>10} {:>10} {:>10.6f} {:>10.6f} {:>12.3e}\n",
               r.policy, sim::format_bytes(r.cache_size), r.n_req, r.n_miss,
               r.miss_ratio(), r.byte_miss_ratio(), r.req_per_s());
  }
}

}  // namespace

int simulate(const std::vector<std::string_view>& args) {
  Options o;
  try {
    o = parse(args);
  } catch (const UsageError& e) {
    if (*e.what() == '\0') {
      fmt::print("{}", kSimulateUsage);
      return 0;
    }
    fmt::print(stderr, "evictlab simulate: {}\n{}", e.what(), kSimulateUsage);
    return 2;
  }
  try {
    for (const auto& [policy, params] : o.sim.params) {
      sim::check_policy_params(policy, params);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "evictlab simulate: --param {}\n", e.what());
    return 2;
  }
  sim::Trace trace;
  try {
    // Next accesses cost a pass over a hash map: only for a policy that
    // needs the future (Belady).
    const bool future = std::any_of(
        o.policies.begin(), o.policies.end(),
        [](const std::string& p) { return sim::policy_needs_future(p); });
    trace = sim::read_trace(o.trace, *o.format, o.csv, future);
  } catch (const std::exception& e) {
    fmt::print(stderr, "evictlab simulate: {}\n", e.what());
    return 2;
  }
  std::vector<sim::SimJob> jobs;
  for (const std::string& p : o.policies) {
    for (std::uint64_t c : o.cache_sizes) jobs.push_back({p, c});
  }
  // A progress line on a terminal, once a run has taken a few seconds.
  const bool tty = isatty(fileno(stderr)) != 0;
  const auto start = std::chrono::steady_clock::now();
  bool printed = false;
  auto progress = [&](std::size_t done, std::size_t total) {
    if (!tty) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (elapsed < 3.0 && !printed) return;
    printed = true;
    fmt::print(stderr, "\revictlab simulate: {}/{} simulations, {:.1f} s", done,
               total, elapsed);
  };
  std::vector<sim::SimResult> results;
  try {
    results = sim::simulate_all(trace, jobs, o.sim, o.threads, progress);
  } catch (const std::exception& e) {
    fmt::print(stderr, "evictlab simulate: {}\n", e.what());
    return 2;
  }
  if (printed) fmt::print(stderr, "\n");
  const bool json_to_stdout = o.json && *o.json == "-";
  if (o.json) {
    const std::string text = to_json(o, results).dump(1) + "\n";
    if (json_to_stdout) {
      fmt::print("{}", text);
    } else {
      std::ofstream out(*o.json);
      out << text;
      if (!out) {
        fmt::print(stderr, "evictlab simulate: --json: cannot write '{}'\n",
                   *o.json);
        return 2;
      }
    }
  }
  if (!json_to_stdout) print_table(results);
  return 0;
}

}  // namespace evictlab::cli
