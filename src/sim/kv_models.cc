#include "evictlab/sim/kv_models.h"

#include <cctype>

namespace evictlab::sim {
namespace {

// NOTE: Debian's abseil is built with its own string_view type, so
// iequals does not take a std::string_view.
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<KvModel>& kv_models() {
  // Each preset is its model's config.json on Hugging Face (the repository
  // named as `source`); the fields quoted are the ones the formula reads.
  static const std::vector<KvModel> kModels = {
      // meta-llama/Llama-3.1-8B: num_hidden_layers 32, num_attention_heads
      // 32, num_key_value_heads 8, hidden_size 4096, head_dim 128.
      // 32 x 8 x 128 x 2 = 65536 values, 131072 bytes in bf16 (SIM-SPEC 5).
      {"llama-3.1-8b", "meta-llama/Llama-3.1-8B", 32, 8, 128, 0, 0},
      // meta-llama/Llama-3.1-70B: num_hidden_layers 80, num_attention_heads
      // 64, num_key_value_heads 8, hidden_size 8192 (head_dim 8192 / 64 =
      // 128). 80 x 8 x 128 x 2 = 163840 values, 327680 bytes in bf16.
      {"llama-3.1-70b", "meta-llama/Llama-3.1-70B", 80, 8, 128, 0, 0},
      // Qwen/Qwen2.5-7B: num_hidden_layers 28, num_attention_heads 28,
      // num_key_value_heads 4, hidden_size 3584 (head_dim 3584 / 28 = 128).
      // 28 x 4 x 128 x 2 = 28672 values, 57344 bytes in bf16.
      {"qwen2.5-7b", "Qwen/Qwen2.5-7B", 28, 4, 128, 0, 0},
      // mistralai/Mistral-7B-v0.3: num_hidden_layers 32, num_attention_heads
      // 32, num_key_value_heads 8, hidden_size 4096, head_dim 128.
      // 32 x 8 x 128 x 2 = 65536 values, 131072 bytes in bf16.
      {"mistral-7b-v0.3", "mistralai/Mistral-7B-v0.3", 32, 8, 128, 0, 0},
      // deepseek-ai/DeepSeek-V2-Lite (MLA): num_hidden_layers 27,
      // kv_lora_rank 512, qk_rope_head_dim 64. The cache holds the 512-value
      // latent and the 64-value RoPE key per layer and token:
      // 27 x (512 + 64) = 15552 values, 31104 bytes in bf16.
      {"deepseek-v2-lite", "deepseek-ai/DeepSeek-V2-Lite", 27, 0, 0, 512, 64},
  };
  return kModels;
}

const KvModel* find_kv_model(std::string_view name) {
  for (const KvModel& m : kv_models()) {
    if (iequals(m.name, name)) return &m;
  }
  return nullptr;
}

std::optional<std::uint32_t> kv_dtype_bytes(std::string_view dtype) {
  if (iequals(dtype, "bf16") || iequals(dtype, "fp16")) {
    return 2;
  }
  if (iequals(dtype, "fp32")) return 4;
  if (iequals(dtype, "fp8") || iequals(dtype, "int8")) {
    return 1;
  }
  return std::nullopt;
}

}  // namespace evictlab::sim
