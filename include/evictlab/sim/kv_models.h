// Model presets of KV mode (`evictlab simulate --model NAME`): the KV-cache
// bytes one token costs in a model, from its published configuration.
//
//   standard attention (MHA / GQA): layers x KV heads x head dim x 2 (K and
//     V) x dtype bytes;
//   MLA (DeepSeek-V2/V3): layers x (kv_lora_rank + qk_rope_head_dim) x dtype
//     bytes (the cache holds the compressed latent and the decoupled RoPE
//     key, no separate K and V).
//
// The presets and their sources are in kv_models.cc. Thread-safety: all
// data is immutable; every function is reentrant.
#ifndef EVICTLAB_SIM_KV_MODELS_H_
#define EVICTLAB_SIM_KV_MODELS_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace evictlab::sim {

struct KvModel {
  std::string_view name;     // as --model takes it, e.g. "llama-3.1-8b"
  std::string_view source;   // the Hugging Face repository of config.json
  std::uint32_t layers = 0;  // num_hidden_layers
  // Standard attention: num_key_value_heads and head_dim (or hidden_size /
  // num_attention_heads when config.json has no head_dim). 0 for MLA.
  std::uint32_t kv_heads = 0;
  std::uint32_t head_dim = 0;
  // MLA: kv_lora_rank and qk_rope_head_dim; 0 for standard attention.
  std::uint32_t kv_lora_rank = 0;
  std::uint32_t qk_rope_head_dim = 0;

  bool is_mla() const { return kv_lora_rank != 0; }
  // Cached values per token, over all layers. O(1).
  std::uint64_t values_per_token() const {
    return is_mla() ? std::uint64_t{layers} * (kv_lora_rank + qk_rope_head_dim)
                    : std::uint64_t{layers} * kv_heads * head_dim * 2;
  }
  std::uint64_t bytes_per_token(std::uint32_t dtype_bytes) const {
    return values_per_token() * dtype_bytes;
  }
};

// Every preset, in display order.
const std::vector<KvModel>& kv_models();
// The preset named `name` (ASCII case-insensitive), or nullptr.
const KvModel* find_kv_model(std::string_view name);

// Bytes per value of a KV dtype: bf16, fp16 -> 2; fp32 -> 4; fp8 (e4m3 or
// e5m2 alike), int8 -> 1. nullopt for any other name.
std::optional<std::uint32_t> kv_dtype_bytes(std::string_view dtype);
// The names kv_dtype_bytes takes, for messages.
inline constexpr std::string_view kKvDtypeNames = "bf16, fp16, fp32, fp8, int8";
// The default dtype (the published checkpoints' torch_dtype).
inline constexpr std::string_view kDefaultKvDtype = "bf16";

}  // namespace evictlab::sim

#endif  // EVICTLAB_SIM_KV_MODELS_H_
