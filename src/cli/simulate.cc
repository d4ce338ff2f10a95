#include "src/cli/simulate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "evictlab/sim/cache_sizes.h"
#include "evictlab/sim/kv_models.h"
#include "evictlab/sim/kv_simulator.h"
#include "evictlab/sim/kv_trace.h"
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
    "       evictlab simulate [--trace] FILE --format mooncake\n"
    "                         --policy ... --cache-sizes SIZES\n"
    "                         [--model NAME [--kv-dtype D] | "
    "--kv-bytes-per-token N]\n"
    "       evictlab simulate --list-models\n"
    "\n"
    "Replays a trace against a byte-sized cache per policy and cache size\n"
    "(../shared/SIM-SPEC.md) and prints a table of miss ratios.\n"
    "\n"
    "  --format         oraclegeneral, vscsi, csv, txt, or mooncake (KV mode)\n"
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
    "  --shards N       partition the cache by key hash into N shards of\n"
    "                   1/N of each size (docs/CONCURRENCY.md)\n"
    "  csv: --csv-delimiter C --csv-header --csv-time-field N\n"
    "       --csv-id-field N --csv-size-field N --csv-id-is-string "
    "(1-based fields)\n"
    "\n"
    "KV mode (--format mooncake, SIM-SPEC section 5): each JSON line is a\n"
    "request of 512-token KV blocks (hash_ids, prefix hashes). Per request\n"
    "the longest resident prefix hits (touched last block first), the rest\n"
    "is stored in order with the request's own blocks never evicted; a\n"
    "block that cannot be stored ends the request's stores (a store\n"
    "failure). The table gives block and token hit ratios: the token hit\n"
    "ratio is the share of prefill tokens the cache saves.\n"
    "  --kv-bytes-per-token N  KV bytes per token (default 1: cache sizes\n"
    "                   count tokens)\n"
    "  --model NAME     bytes per token of a model preset (layers x KV heads\n"
    "                   x head dim x 2 x dtype bytes; MLA: layers x\n"
    "                   (kv_lora_rank + qk_rope_head_dim) x dtype bytes);\n"
    "                   not with --kv-bytes-per-token\n"
    "  --kv-dtype D     the KV dtype of --model: bf16 (default), fp16, fp32,\n"
    "                   fp8, int8\n"
    "  --list-models    print the presets and exit\n"
    "  e.g. evictlab simulate --format mooncake --model llama-3.1-8b "
    "--policy all\n"
    "         --cache-sizes 64GiB:1TiB:64GiB "
    "../shared/traces/mooncake/conversation_trace.jsonl\n"
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
  bool kv = false;  // --format mooncake
  std::optional<sim::TraceFormat> format;
  std::string format_name;
  std::vector<std::string> policies;
  std::vector<std::uint64_t> cache_sizes;
  sim::SimOptions sim;
  sim::CsvOptions csv;
  unsigned threads = 0;
  std::optional<std::string> json;
  // KV mode.
  std::optional<std::uint64_t> kv_bytes_per_token;
  const sim::KvModel* model = nullptr;
  std::optional<std::string> kv_dtype;
  std::uint64_t bytes_per_token = 1;  // as resolved
  bool list_models = false;
  // Options given that only one mode takes, for the error.
  std::string classic_only;
};

std::uint64_t parse_u64(std::string_view option, std::string_view value,
                        std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t v = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (value.empty() || ec != std::errc() || ptr != end || v < lo || v > hi) {
    throw UsageError(fmt::format("{}: '{}' is not an integer in [{}, {}]",
                                 option, value, lo, hi));
  }
  return v;
}

std::string model_names() {
  std::vector<std::string_view> names;
  for (const sim::KvModel& m : sim::kv_models()) names.push_back(m.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

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
      o.kv = false;
      if (!o.format &&
          (o.format_name == "mooncake" || o.format_name == "Mooncake")) {
        o.kv = true;
        o.format_name = "mooncake";
      } else if (!o.format) {
        throw UsageError(fmt::format(
            "--format: unknown format '{}' (expected oraclegeneral, vscsi, "
            "csv, txt or mooncake)",
            o.format_name));
      }
    } else if (arg == "--kv-bytes-per-token") {
      o.kv_bytes_per_token =
          parse_u64(arg, need(), 1, sim::kMaxKvBytesPerToken);
    } else if (arg == "--model") {
      const std::string_view name = need();
      o.model = sim::find_kv_model(name);
      if (o.model == nullptr) {
        throw UsageError(
            fmt::format("--model: unknown model '{}' (expected one of {}; "
                        "--list-models)",
                        name, model_names()));
      }
    } else if (arg == "--kv-dtype") {
      o.kv_dtype = std::string(need());
      if (!sim::kv_dtype_bytes(*o.kv_dtype)) {
        throw UsageError(
            fmt::format("--kv-dtype: unknown dtype '{}' (expected "
                        "one of {})",
                        *o.kv_dtype, sim::kKvDtypeNames));
      }
    } else if (arg == "--list-models") {
      o.list_models = true;
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
            throw UsageError("--policy: " + sim::unsimulated_policy_reason(
                                                name, "all or some of"));
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
      o.classic_only = arg;
    } else if (arg == "--threads") {
      o.threads = static_cast<unsigned>(parse_int(arg, need(), 1, 1024));
    } else if (arg == "--shards") {
      o.sim.shards = static_cast<std::size_t>(parse_int(arg, need(), 1, 4096));
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
      o.classic_only = arg;
      const std::string_view d = need();
      if (d.size() != 1) {
        throw UsageError(
            fmt::format("--csv-delimiter: '{}' is not a single character", d));
      }
      o.csv.delimiter = d[0];
    } else if (arg == "--csv-header") {
      o.classic_only = arg;
      o.csv.header = true;
    } else if (arg == "--csv-time-field") {
      o.classic_only = arg;
      o.csv.time_field = parse_int(arg, need(), 1, 1000);
    } else if (arg == "--csv-id-field") {
      o.classic_only = arg;
      o.csv.id_field = parse_int(arg, need(), 1, 1000);
    } else if (arg == "--csv-size-field") {
      o.classic_only = arg;
      o.csv.size_field = parse_int(arg, need(), 1, 1000);
    } else if (arg == "--csv-id-is-string") {
      o.classic_only = arg;
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
  if (o.list_models) return o;
  if (o.trace.empty()) throw UsageError("a trace is required (--trace FILE)");
  if (!o.format && !o.kv) throw UsageError("--format is required");
  if (o.kv) {
    if (!o.classic_only.empty()) {
      throw UsageError(fmt::format(
          "{}: not an option of --format mooncake (KV mode)", o.classic_only));
    }
    if (o.model != nullptr && o.kv_bytes_per_token) {
      throw UsageError(
          "--model and --kv-bytes-per-token: give one of them (the model "
          "determines the bytes per token)");
    }
    if (o.kv_dtype && o.model == nullptr) {
      throw UsageError("--kv-dtype: only with --model");
    }
    if (o.model != nullptr) {
      o.bytes_per_token = o.model->bytes_per_token(*sim::kv_dtype_bytes(
          o.kv_dtype.value_or(std::string(sim::kDefaultKvDtype))));
    } else {
      o.bytes_per_token = o.kv_bytes_per_token.value_or(1);
    }
  } else if (o.model != nullptr || o.kv_bytes_per_token || o.kv_dtype) {
    throw UsageError(
        "--model, --kv-bytes-per-token and --kv-dtype: only with --format "
        "mooncake");
  }
  if (o.policies.empty()) throw UsageError("--policy is required");
  if (!have_sizes) throw UsageError("--cache-sizes is required");
  if (!o.kv && *o.format == sim::TraceFormat::kCsv && o.csv.id_field == 0) {
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
      {"shards", o.sim.shards},
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

void print_models() {
  fmt::print("{:<18} {:>14} {:>14}  {}\n", "model", "bytes/token",
             "values/token", "config (Hugging Face config.json)");
  for (const sim::KvModel& m : sim::kv_models()) {
    const std::string shape =
        m.is_mla() ? fmt::format(
                         "{} layers x (kv_lora_rank {} + "
                         "qk_rope_head_dim {}), MLA",
                         m.layers, m.kv_lora_rank, m.qk_rope_head_dim)
                   : fmt::format("{} layers x {} KV heads x head dim {} x 2",
                                 m.layers, m.kv_heads, m.head_dim);
    fmt::print("{:<18} {:>14} {:>14}  {}: {}\n", m.name,
               m.bytes_per_token(*sim::kv_dtype_bytes(sim::kDefaultKvDtype)),
               m.values_per_token(), m.source, shape);
  }
  fmt::print("bytes/token in {} (--kv-dtype: {})\n", sim::kDefaultKvDtype,
             sim::kKvDtypeNames);
}

unsigned threads_used(const Options& o) {
  return o.threads != 0 ? o.threads
                        : std::max(1u, std::thread::hardware_concurrency());
}

// SIM-SPEC section 6 in KV mode: the classic fields count block references
// (n_req_byte / n_miss_byte their bytes), beside section 5's counters.
nlohmann::json kv_to_json(const Options& o,
                          const std::vector<sim::KvSimResult>& results) {
  nlohmann::json doc;
  doc["trace"] = o.trace;
  doc["format"] = "mooncake";
  doc["context"] = {
      {"warmup_frac", o.sim.warmup_frac},
      {"threads", threads_used(o)},
      {"block_tokens", sim::kKvBlockTokens},
      {"kv_bytes_per_token", o.bytes_per_token},
      {"model", o.model ? nlohmann::json(std::string(o.model->name))
                        : nlohmann::json(nullptr)},
      {"kv_dtype", o.model ? nlohmann::json(o.kv_dtype.value_or(
                                 std::string(sim::kDefaultKvDtype)))
                           : nlohmann::json(nullptr)}};
  nlohmann::json rows = nlohmann::json::array();
  for (const sim::KvSimResult& r : results) {
    const std::uint64_t miss = r.n_block - r.n_block_hit;
    const std::uint64_t miss_byte = r.n_byte - r.n_byte_hit;
    rows.push_back(
        {{"policy", r.policy},
         {"cache_size", r.cache_size},
         {"n_req", r.n_req},
         {"n_req_byte", r.n_byte},
         {"n_miss", miss},
         {"n_miss_byte", miss_byte},
         {"miss_ratio", r.n_block == 0 ? 0.0 : double(miss) / r.n_block},
         {"byte_miss_ratio",
          r.n_byte == 0 ? 0.0 : double(miss_byte) / r.n_byte},
         {"n_block", r.n_block},
         {"n_block_hit", r.n_block_hit},
         {"n_token", r.n_token},
         {"n_token_hit", r.n_token_hit},
         {"n_byte", r.n_byte},
         {"n_byte_hit", r.n_byte_hit},
         {"n_store", r.n_store},
         {"n_store_failure", r.n_store_failure},
         {"n_evict", r.n_evict},
         {"block_hit_ratio", r.block_hit_ratio()},
         {"token_hit_ratio", r.token_hit_ratio()},
         {"kv_bytes_per_token", r.bytes_per_token},
         {"seconds", r.seconds},
         {"req_per_s", r.req_per_s()}});
  }
  doc["results"] = std::move(rows);
  return doc;
}

void print_kv_table(const Options& o,
                    const std::vector<sim::KvSimResult>& results) {
  if (o.model != nullptr) {
    fmt::print("model {} ({}): {} KV bytes per token, {} per 512-token block\n",
               o.model->name,
               o.kv_dtype.value_or(std::string(sim::kDefaultKvDtype)),
               o.bytes_per_token,
               sim::format_bytes(o.bytes_per_token * sim::kKvBlockTokens));
  } else {
    fmt::print("{} KV byte(s) per token{}\n", o.bytes_per_token,
               o.bytes_per_token == 1 ? " (cache sizes count tokens)" : "");
  }
  // Capacity in blocks, so sizes read the same whatever the bytes per token.
  fmt::print("{:<12} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>11}\n",
             "policy", "cache size", "blocks", "requests", "block hit",
             "token hit", "tokens hit", "failed", "req/s");
  for (const sim::KvSimResult& r : results) {
    fmt::print(
        "{:<12} {:>10} {:>10} {:>10} {:>10.6f} {:>10.6f} {:>10} {:>8} "
        "{:>11.3e}\n",
        r.policy, sim::format_bytes(r.cache_size),
        r.cache_size / (o.bytes_per_token * sim::kKvBlockTokens), r.n_req,
        r.block_hit_ratio(), r.token_hit_ratio(), r.n_token_hit,
        r.n_store_failure, r.req_per_s());
  }
  // Per cache size, the policies by prefill tokens saved (belady, the
  // offline optimum, is the reference, not a choice).
  std::vector<std::uint64_t> sizes;
  for (const sim::KvSimResult& r : results) {
    if (std::find(sizes.begin(), sizes.end(), r.cache_size) == sizes.end()) {
      sizes.push_back(r.cache_size);
    }
  }
  if (results.size() <= sizes.size()) return;  // one policy: nothing to rank
  fmt::print(
      "\nprefill tokens saved (token hit ratio), best first, per cache "
      "size:\n");
  for (std::uint64_t c : sizes) {
    std::vector<const sim::KvSimResult*> row;
    const sim::KvSimResult* offline = nullptr;
    for (const sim::KvSimResult& r : results) {
      if (r.cache_size != c) continue;
      // Policies that need the future are the reference, not a choice.
      if (sim::policy_needs_future(r.policy)) {
        offline = &r;
      } else {
        row.push_back(&r);
      }
    }
    std::stable_sort(row.begin(), row.end(), [](auto* a, auto* b) {
      return a->n_token_hit > b->n_token_hit;
    });
    std::string line;
    for (const sim::KvSimResult* r : row) {
      line += fmt::format("{}{} {:.4f}", line.empty() ? "" : " > ", r->policy,
                          r->token_hit_ratio());
    }
    const double gib = static_cast<double>(c) / 1073741824.0;
    std::string tail;
    if (!row.empty()) {
      tail =
          fmt::format("  ({}: {:.4g} tokens saved per GiB", row.front()->policy,
                      static_cast<double>(row.front()->n_token_hit) / gib);
      if (offline != nullptr) {
        tail += fmt::format("; offline {} {:.4f}", offline->policy,
                            offline->token_hit_ratio());
      }
      tail += ")";
    } else if (offline != nullptr) {
      line = fmt::format("{} {:.4f} (offline)", offline->policy,
                         offline->token_hit_ratio());
    }
    fmt::print("  {:>10}: {}{}\n", sim::format_bytes(c), line, tail);
  }
}

int write_json(const Options& o, const nlohmann::json& doc) {
  const std::string text = doc.dump(1) + "\n";
  if (*o.json == "-") {
    fmt::print("{}", text);
    return 0;
  }
  std::ofstream out(*o.json);
  out << text;
  if (!out) {
    fmt::print(stderr, "evictlab simulate: --json: cannot write '{}'\n",
               *o.json);
    return 2;
  }
  return 0;
}

int run_kv(const Options& o) {
  sim::KvSimOptions kv;
  kv.bytes_per_token = o.bytes_per_token;
  kv.warmup_frac = o.sim.warmup_frac;
  kv.params = o.sim.params;
  sim::KvTrace trace;
  try {
    const bool future = std::any_of(
        o.policies.begin(), o.policies.end(),
        [](const std::string& p) { return sim::policy_needs_future(p); });
    trace = sim::read_mooncake(o.trace, future);
  } catch (const std::exception& e) {
    fmt::print(stderr, "evictlab simulate: {}\n", e.what());
    return 2;
  }
  std::vector<sim::SimJob> jobs;
  for (const std::string& p : o.policies) {
    for (std::uint64_t c : o.cache_sizes) jobs.push_back({p, c});
  }
  std::vector<sim::KvSimResult> results;
  try {
    results = sim::kv_simulate_all(trace, jobs, kv, o.threads);
  } catch (const std::exception& e) {
    fmt::print(stderr, "evictlab simulate: {}\n", e.what());
    return 2;
  }
  if (o.json) {
    if (const int rc = write_json(o, kv_to_json(o, results)); rc != 0) {
      return rc;
    }
  }
  if (!(o.json && *o.json == "-")) print_kv_table(o, results);
  return 0;
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
  if (o.list_models) {
    print_models();
    return 0;
  }
  try {
    for (const auto& [policy, params] : o.sim.params) {
      sim::check_policy_params(policy, params);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "evictlab simulate: --param {}\n", e.what());
    return 2;
  }
  if (o.kv) return run_kv(o);
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
