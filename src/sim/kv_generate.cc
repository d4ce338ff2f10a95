#include "evictlab/sim/kv_generate.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <iterator>
#include <random>
#include <stdexcept>
#include <vector>

#include "evictlab/sim/generate.h"
#include "evictlab/sim/kv_trace.h"

namespace evictlab::sim {
namespace {

constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

void require(bool ok, const char* field, const std::string& value,
             const char* rule) {
  if (!ok) {
    throw std::invalid_argument(fmt::format("{}: {} {}", field, value, rule));
  }
}

// U{lo .. hi} from one engine call, portable (uniform_from_bits).
// REQUIRES: hi - lo < 2^52.
std::uint64_t uniform_int(std::mt19937_64& engine, std::uint64_t lo,
                          std::uint64_t hi) {
  const std::uint64_t span = hi - lo + 1;
  const auto k = static_cast<std::uint64_t>(uniform_from_bits(engine()) * span);
  return lo + std::min(k, span - 1);
}

struct Conversation {
  std::vector<std::uint64_t> history;  // system prompt + earlier turns
  bool live = false;
};

// The one generator loop: calls on_request(const KvGenRequest&) for each
// request in order and stops early when it returns false.
template <class OnRequest>
KvGenStats generate(const KvGenParams& p, OnRequest&& on_request) {
  check_kv_gen_params(p);
  std::mt19937_64 engine(p.seed);
  const ZipfSampler docs(p.documents, p.doc_alpha);
  const double total = p.chat_weight + p.rag_weight + p.scan_weight;
  const double chat_cut = p.chat_weight / total;
  const double rag_cut = (p.chat_weight + p.rag_weight) / total;
  const double end_prob = 1.0 / p.mean_turns;
  std::vector<Conversation> slots(p.conversations);
  // Id ranges (kv_generate.h): prompts, then documents, then new blocks.
  const std::uint64_t prompt_base = 1;
  const std::uint64_t doc_base =
      prompt_base + p.system_prompts * p.system_prompt_blocks;
  std::uint64_t next_new =
      doc_base + p.system_prompts * p.documents * p.doc_blocks;
  std::vector<std::uint64_t> ids;
  KvGenStats stats;

  auto prompt = [&](std::uint64_t s) {
    for (std::uint64_t i = 0; i < p.system_prompt_blocks; ++i) {
      ids.push_back(prompt_base + s * p.system_prompt_blocks + i);
    }
  };
  for (std::uint64_t r = 0; r < p.requests; ++r) {
    ids.clear();
    const double kind = uniform_from_bits(engine());
    Conversation* conv = nullptr;
    std::uint64_t fresh = 0;  // new blocks at the end of the request
    if (kind < chat_cut) {
      ++stats.chat;
      conv = &slots[uniform_int(engine, 0, p.conversations - 1)];
      fresh = uniform_int(engine, 1, 2 * p.turn_blocks - 1);
      if (conv->live && conv->history.size() + fresh > p.max_context_blocks) {
        conv->live = false;  // the context is full: a new conversation
      }
      if (!conv->live) {
        const std::uint64_t s = uniform_int(engine, 0, p.system_prompts - 1);
        conv->history.clear();
        for (std::uint64_t i = 0; i < p.system_prompt_blocks; ++i) {
          conv->history.push_back(prompt_base + s * p.system_prompt_blocks + i);
        }
        conv->live = true;
      }
      ids.insert(ids.end(), conv->history.begin(), conv->history.end());
    } else if (kind < rag_cut) {
      ++stats.rag;
      const std::uint64_t s = uniform_int(engine, 0, p.system_prompts - 1);
      const std::uint64_t d = docs(engine) - 1;
      prompt(s);
      for (std::uint64_t i = 0; i < p.doc_blocks; ++i) {
        ids.push_back(doc_base + (s * p.documents + d) * p.doc_blocks + i);
      }
      fresh = p.query_blocks;
    } else {
      ++stats.scan;
      fresh = p.scan_blocks;
    }
    for (std::uint64_t i = 0; i < fresh; ++i) ids.push_back(next_new++);
    if (conv != nullptr) {
      // All but the (partial) last block are the next turn's history.
      conv->history.insert(conv->history.end(), ids.end() - fresh,
                           ids.end() - 1);
      if (uniform_from_bits(engine()) < end_prob) conv->live = false;
    }
    const std::uint64_t last_tokens = uniform_int(engine, 1, kKvBlockTokens);
    const std::uint64_t input = kKvBlockTokens * (ids.size() - 1) + last_tokens;
    const std::uint64_t output = uniform_int(engine, 1, 2 * p.mean_output - 1);
    const auto timestamp = static_cast<std::uint64_t>(
        std::floor(static_cast<double>(r) * 1000.0 / p.rate));
    ++stats.requests;
    stats.blocks += ids.size();
    stats.tokens += input;
    if (!on_request(
            KvGenRequest{ids.data(), ids.size(), input, output, timestamp})) {
      break;
    }
  }
  return stats;
}

}  // namespace

void check_kv_gen_params(const KvGenParams& p) {
  auto str = [](auto v) { return fmt::format("{}", v); };
  require(p.requests >= 1 && p.requests <= (std::uint64_t{1} << 40), "requests",
          str(p.requests), "is not in [1, 2^40]");
  for (const auto& [name, w] : {std::pair{"chat_weight", p.chat_weight},
                                std::pair{"rag_weight", p.rag_weight},
                                std::pair{"scan_weight", p.scan_weight}}) {
    require(w >= 0 && std::isfinite(w), name, str(w),
            "is not a finite weight >= 0");
  }
  require(p.chat_weight + p.rag_weight + p.scan_weight > 0, "chat_weight", "0",
          "(and rag_weight and scan_weight 0): some weight must be > 0");
  require(p.system_prompts >= 1 && p.system_prompts <= (1u << 20),
          "system_prompts", str(p.system_prompts), "is not in [1, 2^20]");
  require(p.system_prompt_blocks < (1u << 16), "system_prompt_blocks",
          str(p.system_prompt_blocks), "is not in [0, 2^16)");
  require(p.conversations >= 1 && p.conversations <= (1u << 20),
          "conversations", str(p.conversations), "is not in [1, 2^20]");
  require(p.mean_turns >= 1 && std::isfinite(p.mean_turns), "mean_turns",
          str(p.mean_turns), "must be a finite number >= 1");
  require(p.turn_blocks >= 1 && p.turn_blocks <= (1u << 15), "turn_blocks",
          str(p.turn_blocks), "is not in [1, 2^15]");
  require(p.max_context_blocks < (1u << 16), "max_context_blocks",
          str(p.max_context_blocks), "is not below 2^16");
  require(
      p.max_context_blocks >= p.system_prompt_blocks + 2 * p.turn_blocks - 1,
      "max_context_blocks", str(p.max_context_blocks),
      fmt::format("must hold a first turn: >= system_prompt_blocks + 2 "
                  "turn_blocks - 1 = {}",
                  p.system_prompt_blocks + 2 * p.turn_blocks - 1)
          .c_str());
  require(p.documents >= 1 && p.documents <= (1u << 24), "documents",
          str(p.documents), "is not in [1, 2^24]");
  require(p.doc_alpha >= 0 && std::isfinite(p.doc_alpha), "doc_alpha",
          str(p.doc_alpha), "must be a finite number >= 0");
  require(p.doc_blocks >= 1 && p.doc_blocks < (1u << 16), "doc_blocks",
          str(p.doc_blocks), "is not in [1, 2^16)");
  require(p.query_blocks >= 1 && p.query_blocks < (1u << 16), "query_blocks",
          str(p.query_blocks), "is not in [1, 2^16)");
  require(p.scan_blocks >= 1 && p.scan_blocks < (1u << 16), "scan_blocks",
          str(p.scan_blocks), "is not in [1, 2^16)");
  require(p.rate > 0 && std::isfinite(p.rate), "rate", str(p.rate),
          "must be a finite number > 0");
  require(p.mean_output >= 1 && p.mean_output <= (1u << 30), "mean_output",
          str(p.mean_output), "is not in [1, 2^30]");
}

KvGenStats generate_kv_requests(
    const KvGenParams& params,
    const std::function<bool(const KvGenRequest&)>& on_request) {
  return generate(params, on_request);
}

KvGenStats generate_kv(const KvGenParams& params, std::FILE* out) {
  fmt::memory_buffer text;
  std::uint64_t bytes = 0;
  auto flush = [&] {
    if (text.size() != 0 &&
        std::fwrite(text.data(), 1, text.size(), out) != text.size()) {
      throw std::runtime_error(
          fmt::format("cannot write: {}", std::strerror(errno)));
    }
    bytes += text.size();
    text.clear();
  };
  KvGenStats stats = generate(params, [&](const KvGenRequest& r) {
    fmt::format_to(std::back_inserter(text),
                   "{{\"timestamp\": {}, \"input_length\": {}, "
                   "\"output_length\": {}, \"hash_ids\": [{}]}}\n",
                   r.timestamp, r.input_length, r.output_length,
                   fmt::join(r.ids, r.ids + r.n, ", "));
    if (text.size() >= kFlushBytes) flush();
    return true;
  });
  flush();
  stats.bytes = bytes;
  return stats;
}

KvGenStats generate_kv(const KvGenParams& params, const std::string& path) {
  check_kv_gen_params(params);  // before creating the file
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    throw TraceWriteError(
        path, fmt::format("cannot open for writing: {}", std::strerror(errno)));
  }
  struct stat st {};
  const bool regular = ::fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
  KvGenStats stats;
  try {
    stats = generate_kv(params, f);
  } catch (const std::exception& e) {
    std::fclose(f);
    if (regular) std::remove(path.c_str());
    throw TraceWriteError(path, e.what());
  }
  if (std::fclose(f) != 0) {
    const int err = errno;
    if (regular) std::remove(path.c_str());
    throw TraceWriteError(path,
                          fmt::format("cannot close: {}", std::strerror(err)));
  }
  return stats;
}

}  // namespace evictlab::sim
