#pragma once

// Writes small random Llama-family checkpoints for tests that need no fixtures.

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "data/token_windows.h"
#include "model/safetensors_writer.h"

namespace lamina::test {

struct TinySpec {
    int64_t vocab = 32, hidden = 16, ff = 24, layers = 3, heads = 4, kvHeads = 2;
    bool tied = true;
    std::string modelType = "llama";
};

inline nlohmann::json tinyConfig(const TinySpec& s) {
    return {{"model_type", s.modelType},
            {"architectures", {"LlamaForCausalLM"}},
            {"vocab_size", s.vocab},
            {"hidden_size", s.hidden},
            {"intermediate_size", s.ff},
            {"num_hidden_layers", s.layers},
            {"num_attention_heads", s.heads},
            {"num_key_value_heads", s.kvHeads},
            {"max_position_embeddings", 128},
            {"rms_norm_eps", 1e-5},
            {"rope_theta", 10000.0},
            {"tie_word_embeddings", s.tied},
            {"bos_token_id", 1},
            {"eos_token_id", 2}};
}

inline std::vector<std::pair<std::string, at::Tensor>> tinyWeights(const TinySpec& s,
                                                                   uint64_t seed = 7) {
    at::manual_seed(seed);
    const int64_t hd = s.hidden / s.heads, q = s.heads * hd, kv = s.kvHeads * hd;
    auto r = [](std::vector<int64_t> shape) { return at::randn(shape) * 0.2; };
    std::vector<std::pair<std::string, at::Tensor>> w;
    w.emplace_back("model.embed_tokens.weight", r({s.vocab, s.hidden}));
    for (int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        w.emplace_back(p + "input_layernorm.weight", 1 + r({s.hidden}));
        w.emplace_back(p + "self_attn.q_proj.weight", r({q, s.hidden}));
        w.emplace_back(p + "self_attn.k_proj.weight", r({kv, s.hidden}));
        w.emplace_back(p + "self_attn.v_proj.weight", r({kv, s.hidden}));
        w.emplace_back(p + "self_attn.o_proj.weight", r({s.hidden, q}));
        w.emplace_back(p + "post_attention_layernorm.weight", 1 + r({s.hidden}));
        w.emplace_back(p + "mlp.gate_proj.weight", r({s.ff, s.hidden}));
        w.emplace_back(p + "mlp.up_proj.weight", r({s.ff, s.hidden}));
        w.emplace_back(p + "mlp.down_proj.weight", r({s.hidden, s.ff}));
    }
    w.emplace_back("model.norm.weight", 1 + r({s.hidden}));
    if (!s.tied) w.emplace_back("lm_head.weight", r({s.vocab, s.hidden}));
    return w;
}

inline void writeJson(const std::filesystem::path& path, const nlohmann::json& j) {
    std::ofstream(path) << j.dump(2);
}

/// A complete model directory (config.json + model.safetensors) under `dir`.
inline void writeTinyModel(const std::filesystem::path& dir, const TinySpec& s = {}) {
    std::filesystem::create_directories(dir);
    writeJson(dir / "config.json", tinyConfig(s));
    writeSafetensors(dir / "model.safetensors", tinyWeights(s));
}

/// `n` windows of `T` ids drawn uniformly from [0, vocab) with ATen's generator.
inline TokenWindows randomWindows(int64_t n, int64_t T, int64_t vocab) {
    TokenWindows w;
    w.numWindows = n;
    w.seqLen = T;
    const at::Tensor ids = at::randint(0, vocab, {n * T}, at::kInt);
    w.ids.assign(ids.data_ptr<int32_t>(), ids.data_ptr<int32_t>() + n * T);
    return w;
}

}  // namespace lamina::test
