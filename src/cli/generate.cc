#include "src/cli/generate.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "evictlab/sim/cache_sizes.h"
#include "evictlab/sim/generate.h"
#include "evictlab/sim/kv_generate.h"
#include "evictlab/sim/trace.h"

namespace evictlab::cli {
namespace {

constexpr const char* kGenerateUsage =
    "usage: evictlab generate zipf --objects N --requests M --alpha A\n"
    "                              --obj-size BYTES [--seed S] --out FILE\n"
    "       evictlab generate repeat --times K --in FILE --format FORMAT\n"
    "                                [csv options] --out FILE\n"
    "       evictlab generate kv --requests N [--seed S] [kv options]\n"
    "                            --out FILE|-\n"
    "\n"
    "Writes a trace as libCacheSim's oracleGeneral (../shared/SIM-SPEC.md\n"
    "section 2): record i has time i (1-based) and next_access the 1-based\n"
    "index of the next request for the same object, or -1.\n"
    "\n"
    "  zipf     M requests drawn from Zipf(A) over N objects (rank 1 most\n"
    "           popular; exact inverse-CDF sampling), each of BYTES bytes\n"
    "           (a byte count or e.g. 4KiB), ids a fixed 64-bit mix of the\n"
    "           rank; std::mt19937_64 seeded with S (default 1), so a seed\n"
    "           gives the same file on every machine\n"
    "  repeat   the trace FILE (oraclegeneral, vscsi, csv or txt, read as\n"
    "           `evictlab simulate` reads it) K times over, next_access\n"
    "           recomputed over the whole output\n"
    "  kv       N requests of a KV-cache workload as Mooncake JSON Lines\n"
    "           (the input of `simulate --format mooncake`; "
    "docs/WORKLOADS.md),\n"
    "           streamed out in bounded memory. Each request is chat, rag or\n"
    "           scan, drawn by weight; every block holds 512 tokens but the\n"
    "           request's last (new, U{1..512} tokens). Seeded (default 1):\n"
    "           the same options give the same bytes on every machine.\n"
    "    --chat-weight W (0.5) --rag-weight W (0.3) --scan-weight W (0.2)\n"
    "    --system-prompts N (16) --system-prompt-blocks B (4): shared\n"
    "           prompts starting every chat and rag request (uniform)\n"
    "    --conversations N (1000): live conversations; a chat request\n"
    "           continues a uniform one: [prompt][history][new turn]\n"
    "    --mean-turns T (5): turns per conversation (geometric)\n"
    "    --turn-blocks M (4): new blocks per turn, U{1..2M-1}; all but the\n"
    "           last join the history\n"
    "    --max-context-blocks C (256): a conversation ends before a turn\n"
    "           that would exceed C blocks\n"
    "    --documents N (10000) --doc-alpha A (1.0) --doc-blocks B (8)\n"
    "    --query-blocks Q (1): rag = [prompt][Zipf(A) document][new query]\n"
    "    --scan-blocks B (16): scan = B new blocks, never reused\n"
    "    --rate R (10): timestamp of request i = floor(i * 1000 / R) ms\n"
    "    --mean-output O (256): output_length U{1..2O-1}\n"
    "  csv: --csv-delimiter C --csv-header --csv-time-field N\n"
    "       --csv-id-field N --csv-size-field N --csv-id-is-string "
    "(1-based fields)\n"
    "\n"
    "Exit status: 0 written, 1 the output could not be written, 2 bad usage\n"
    "or malformed input.\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::uint64_t parse_count(std::string_view option, std::string_view value,
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

double parse_alpha(std::string_view option, std::string_view value) {
  const std::string text(value);
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !(v >= 0.0) || !std::isfinite(v)) {
    throw UsageError(
        fmt::format("{}: '{}' is not a finite number >= 0", option, value));
  }
  return v;
}

std::uint64_t parse_size(std::string_view option, std::string_view value) {
  if (value.find_first_of(",:") != std::string_view::npos) {
    throw UsageError(fmt::format("{}: '{}' is not one size (e.g. 4096 or 4KiB)",
                                 option, value));
  }
  std::uint64_t v = 0;
  try {
    v = sim::parse_cache_sizes(value).at(0);
  } catch (const std::exception&) {
    throw UsageError(fmt::format(
        "{}: '{}' is not a size in bytes (e.g. 4096 or 4KiB)", option, value));
  }
  if (v > sim::kMaxOracleGeneralObjSize) {
    throw UsageError(
        fmt::format("{}: '{}' is above the oracleGeneral limit "
                    "of {} bytes",
                    option, value, sim::kMaxOracleGeneralObjSize));
  }
  return v;
}

// One option and its value, `--name value` or `--name=value`.
class Args {
 public:
  explicit Args(const std::vector<std::string_view>& args) : args_(args) {}
  bool next() {
    if (i_ >= args_.size()) return false;
    name_ = args_[i_++];
    inline_ = false;
    if (const auto eq = name_.find('=');
        name_.substr(0, 2) == "--" && eq != std::string_view::npos) {
      value_ = name_.substr(eq + 1);
      name_ = name_.substr(0, eq);
      inline_ = true;
    }
    return true;
  }
  std::string_view name() const { return name_; }
  std::string_view value() {
    if (inline_) return value_;
    if (i_ == args_.size()) {
      throw UsageError(fmt::format("{} needs a value", name_));
    }
    return args_[i_++];
  }
  void no_value() const {
    if (inline_) throw UsageError(fmt::format("{} takes no value", name_));
  }

 private:
  const std::vector<std::string_view>& args_;
  std::size_t i_ = 0;
  std::string_view name_;
  std::string_view value_;
  bool inline_ = false;
};

[[noreturn]] void unknown(std::string_view generator, std::string_view arg) {
  if (arg == "--help" || arg == "-h") throw UsageError("");
  throw UsageError(fmt::format("{}: unknown option '{}'", generator, arg));
}

struct ZipfOptions {
  sim::ZipfParams params;
  std::string out;
};

ZipfOptions parse_zipf(const std::vector<std::string_view>& words) {
  ZipfOptions o;
  o.params.seed = 1;
  bool objects = false, requests = false, alpha = false, size = false;
  Args a(words);
  while (a.next()) {
    const std::string_view n = a.name();
    if (n == "--objects") {
      o.params.objects = parse_count(n, a.value(), 1, sim::kMaxZipfObjects);
      objects = true;
    } else if (n == "--requests") {
      o.params.requests =
          parse_count(n, a.value(), 1, sim::kMaxOracleGeneralRequests);
      requests = true;
    } else if (n == "--alpha") {
      o.params.alpha = parse_alpha(n, a.value());
      alpha = true;
    } else if (n == "--obj-size") {
      o.params.obj_size = parse_size(n, a.value());
      size = true;
    } else if (n == "--seed") {
      o.params.seed = parse_count(n, a.value(), 0, UINT64_MAX);
    } else if (n == "--out") {
      o.out = std::string(a.value());
    } else {
      unknown("zipf", n);
    }
  }
  if (!objects) throw UsageError("zipf: --objects is required");
  if (!requests) throw UsageError("zipf: --requests is required");
  if (!alpha) throw UsageError("zipf: --alpha is required");
  if (!size) throw UsageError("zipf: --obj-size is required");
  if (o.out.empty()) throw UsageError("zipf: --out is required");
  return o;
}

struct KvOptions {
  sim::KvGenParams params;
  std::string out;
};

double parse_number(std::string_view option, std::string_view value) {
  const std::string text(value);
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(v)) {
    throw UsageError(
        fmt::format("{}: '{}' is not a finite number", option, value));
  }
  return v;
}

KvOptions parse_kv(const std::vector<std::string_view>& words) {
  KvOptions o;
  sim::KvGenParams& p = o.params;
  bool requests = false;
  Args a(words);
  while (a.next()) {
    const std::string_view n = a.name();
    auto count = [&](std::uint64_t& field) {
      field = parse_count(n, a.value(), 0, UINT64_MAX);
    };
    auto number = [&](double& field) { field = parse_number(n, a.value()); };
    if (n == "--requests") {
      count(p.requests);
      requests = true;
    } else if (n == "--seed") {
      count(p.seed);
    } else if (n == "--chat-weight") {
      number(p.chat_weight);
    } else if (n == "--rag-weight") {
      number(p.rag_weight);
    } else if (n == "--scan-weight") {
      number(p.scan_weight);
    } else if (n == "--system-prompts") {
      count(p.system_prompts);
    } else if (n == "--system-prompt-blocks") {
      count(p.system_prompt_blocks);
    } else if (n == "--conversations") {
      count(p.conversations);
    } else if (n == "--mean-turns") {
      number(p.mean_turns);
    } else if (n == "--turn-blocks") {
      count(p.turn_blocks);
    } else if (n == "--max-context-blocks") {
      count(p.max_context_blocks);
    } else if (n == "--documents") {
      count(p.documents);
    } else if (n == "--doc-alpha") {
      number(p.doc_alpha);
    } else if (n == "--doc-blocks") {
      count(p.doc_blocks);
    } else if (n == "--query-blocks") {
      count(p.query_blocks);
    } else if (n == "--scan-blocks") {
      count(p.scan_blocks);
    } else if (n == "--rate") {
      number(p.rate);
    } else if (n == "--mean-output") {
      count(p.mean_output);
    } else if (n == "--out") {
      o.out = std::string(a.value());
    } else {
      unknown("kv", n);
    }
  }
  if (!requests) throw UsageError("kv: --requests is required");
  if (o.out.empty()) throw UsageError("kv: --out is required");
  try {
    sim::check_kv_gen_params(p);
  } catch (const std::invalid_argument& e) {
    // "mean_turns: ..." -> "--mean-turns: ...", the option as typed.
    std::string what = e.what();
    const std::size_t colon = what.find(':');
    for (std::size_t i = 0; i < colon; ++i) {
      if (what[i] == '_') what[i] = '-';
    }
    throw UsageError("--" + what);
  }
  return o;
}

struct RepeatOptions {
  std::uint64_t times = 0;
  std::string in;
  std::optional<sim::TraceFormat> format;
  sim::CsvOptions csv;
  std::string out;
};

RepeatOptions parse_repeat(const std::vector<std::string_view>& words) {
  RepeatOptions o;
  Args a(words);
  auto field = [&](std::string_view n) {
    return static_cast<int>(parse_count(n, a.value(), 1, 1000));
  };
  while (a.next()) {
    const std::string_view n = a.name();
    if (n == "--times") {
      o.times = parse_count(n, a.value(), 1, sim::kMaxOracleGeneralRequests);
    } else if (n == "--in") {
      o.in = std::string(a.value());
    } else if (n == "--format") {
      const std::string_view f = a.value();
      o.format = sim::trace_format_from_name(f);
      if (!o.format) {
        throw UsageError(fmt::format(
            "--format: unknown format '{}' (expected oraclegeneral, vscsi, "
            "csv or txt)",
            f));
      }
    } else if (n == "--out") {
      o.out = std::string(a.value());
    } else if (n == "--csv-delimiter") {
      const std::string_view d = a.value();
      if (d.size() != 1) {
        throw UsageError(
            fmt::format("--csv-delimiter: '{}' is not a single character", d));
      }
      o.csv.delimiter = d[0];
    } else if (n == "--csv-header") {
      a.no_value();
      o.csv.header = true;
    } else if (n == "--csv-time-field") {
      o.csv.time_field = field(n);
    } else if (n == "--csv-id-field") {
      o.csv.id_field = field(n);
    } else if (n == "--csv-size-field") {
      o.csv.size_field = field(n);
    } else if (n == "--csv-id-is-string") {
      a.no_value();
      o.csv.id_is_string = true;
    } else {
      unknown("repeat", n);
    }
  }
  if (o.times == 0) throw UsageError("repeat: --times is required");
  if (o.in.empty()) throw UsageError("repeat: --in is required");
  if (!o.format) throw UsageError("repeat: --format is required");
  if (o.out.empty()) throw UsageError("repeat: --out is required");
  if (*o.format == sim::TraceFormat::kCsv && o.csv.id_field == 0) {
    throw UsageError("--format csv needs --csv-id-field");
  }
  return o;
}

// What a user checks first: the length, the distinct objects and their
// bytes (a cache of 10% of the footprint is the usual first experiment).
void print_summary(const std::string& path, const sim::Trace& trace) {
  std::uint64_t distinct = 0, footprint = 0;
  for (const sim::Request& r : trace.requests) {
    if (r.next_access < 0) {  // each id's last request, counted once
      ++distinct;
      footprint += r.size;
    }
  }
  fmt::print(
      "wrote {}: {} requests, {} distinct objects, {} bytes of "
      "distinct objects\n",
      path, trace.requests.size(), distinct, footprint);
}

// Writes `trace`: 0, 1 when the file cannot be written, 2 when the trace
// does not fit the format (the error names the file either way).
int write(const sim::Trace& trace, const std::string& path) {
  try {
    sim::write_oracle_general(trace, path);
  } catch (const sim::TraceWriteError& e) {
    fmt::print(stderr, "evictlab generate: {}\n", e.what());
    return 1;
  } catch (const std::invalid_argument& e) {
    // A trace oracleGeneral cannot hold (a size of 0 or above 2^32-1).
    fmt::print(stderr, "evictlab generate: {}\n", e.what());
    return 2;
  }
  print_summary(path, trace);
  return 0;
}

}  // namespace

int generate(const std::vector<std::string_view>& args) {
  try {
    if (args.empty())
      throw UsageError("a generator is required: zipf, repeat or kv");
    const std::string_view what = args[0];
    const std::vector<std::string_view> rest(args.begin() + 1, args.end());
    if (what == "zipf") {
      const ZipfOptions o = parse_zipf(rest);
      sim::Trace trace;
      try {
        trace = sim::generate_zipf(o.params);
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());  // names the parameter
      }
      return write(trace, o.out);
    }
    if (what == "repeat") {
      const RepeatOptions o = parse_repeat(rest);
      sim::Trace trace;
      try {
        trace =
            sim::repeat_trace(sim::read_trace(o.in, *o.format, o.csv), o.times);
      } catch (const sim::TraceError& e) {
        fmt::print(stderr, "evictlab generate: {}\n", e.what());
        return 2;
      } catch (const std::invalid_argument& e) {
        throw UsageError(fmt::format("--{}", e.what()));  // "--times: ..."
      }
      return write(trace, o.out);
    }
    if (what == "kv") {
      const KvOptions o = parse_kv(rest);
      sim::KvGenStats stats;
      try {
        if (o.out == "-") {
          stats = sim::generate_kv(o.params, stdout);
          if (std::fflush(stdout) != 0) {
            throw std::runtime_error("-: cannot write to stdout");
          }
        } else {
          stats = sim::generate_kv(o.params, o.out);
        }
      } catch (const std::runtime_error& e) {
        fmt::print(stderr, "evictlab generate: {}\n", e.what());
        return 1;
      }
      // The summary goes to stderr when the trace goes to stdout.
      fmt::print(o.out == "-" ? stderr : stdout,
                 "wrote {}: {} requests ({} chat, {} rag, {} scan), {} block "
                 "references, {} tokens, {} bytes\n",
                 o.out, stats.requests, stats.chat, stats.rag, stats.scan,
                 stats.blocks, stats.tokens, stats.bytes);
      return 0;
    }
    if (what == "--help" || what == "-h") throw UsageError("");
    throw UsageError(fmt::format(
        "unknown generator '{}' (expected zipf, repeat or kv)", what));
  } catch (const UsageError& e) {
    if (*e.what() == '\0') {
      fmt::print("{}", kGenerateUsage);
      return 0;
    }
    fmt::print(stderr, "evictlab generate: {}\n{}", e.what(), kGenerateUsage);
    return 2;
  }
}

}  // namespace evictlab::cli
