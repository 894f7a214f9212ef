// Nemotron-NAS / DeciLM (`model_type` "nemotron-nas", DeciLMForCausalLM; refs: vLLM
// model_executor/models/nemotron_nas.py, llama.cpp convert_hf_to_gguf.py DeciModel, NVIDIA's
// block_config.py). Per-block `block_configs` may mark attention or FFN as `no_op`: those
// sublayers have no tensors. Lamina reads the subset where every present sublayer has the same
// shape (one KV-head count, one FFN width) — what `lamina-cli apply --format decilm` writes.
#include "model/families/nemotron_nas.h"

#include <cmath>

#include "common/json_field.h"
#include "model/config.h"
#include "model/family.h"

namespace lamina {

int64_t ffnMultToIntermediateSize(double ffnMult, int64_t hiddenSize) {
    // Same operation order as the Python: int(2 * ffn_mult * n_embd / 3), truncating.
    const auto n = static_cast<int64_t>(2 * ffnMult * static_cast<double>(hiddenSize) / 3);
    return n % 256 == 0 ? n : n + 256 - n % 256;
}

std::optional<double> intermediateSizeToFfnMult(int64_t intermediateSize, int64_t hiddenSize) {
    if (intermediateSize <= 0 || intermediateSize % 256 != 0 || hiddenSize <= 0) return std::nullopt;
    auto round6 = [](double x) { return std::round(x * 1e6) / 1e6; };
    const double h = static_cast<double>(hiddenSize);
    // The natural multiplier first (NVIDIA's checkpoints use 1.5·ff/hidden), then one aiming at
    // the middle of the 256-wide bucket, which tolerates the 6-decimal rounding best.
    for (const double target : {1.5 * static_cast<double>(intermediateSize) / h,
                                1.5 * static_cast<double>(intermediateSize - 128) / h}) {
        const double mult = round6(target);
        if (mult > 0 && ffnMultToIntermediateSize(mult, hiddenSize) == intermediateSize) return mult;
    }
    return std::nullopt;
}

namespace {

void requireAbsent(const JsonField& section, const char* key, const char* what) {
    if (section.has(key)) section[key].fail(std::string(what) + " is not supported");
}

// One value shared by every block that has the sublayer (0: none seen yet).
void requireUniform(const JsonField& field, int64_t value, int64_t& shared, const char* what) {
    if (shared == 0) {
        shared = value;
    } else if (value != shared) {
        field.fail(std::string(what) + " " + std::to_string(value) + " differs from " +
                   std::to_string(shared) + " in an earlier block; Lamina needs one value for all "
                   "blocks");
    }
}

void readNemotronNas(const JsonField& f, ModelConfig& cfg) {
    // Biases as vLLM reads them (attention_bias for q, k, v and o; qkv_bias overriding q, k,
    // v), plus o_proj_bias, which NVIDIA's newer remote code uses for o.
    const bool attentionBias = f.boolean("attention_bias", false);
    cfg.qkvBias = f.boolean("qkv_bias", attentionBias);
    cfg.outputBias = f.boolean("o_proj_bias", attentionBias);
    if (f.has("position_embedding_type") && f["position_embedding_type"].string() != "rope") {
        f["position_embedding_type"].unsupported();
    }
    const JsonField blocks = f["block_configs"];
    if (blocks.arraySize() != static_cast<std::size_t>(cfg.numLayers)) {
        blocks.fail("has " + std::to_string(blocks.arraySize()) + " entries, num_hidden_layers is " +
                    std::to_string(cfg.numLayers));
    }
    int64_t groups = 0, ff = 0;
    cfg.blockShapes.clear();
    for (std::size_t i = 0; i < blocks.arraySize(); ++i) {
        const JsonField block = blocks.at(i);
        const JsonField attn = block["attention"];
        const JsonField ffn = block["ffn"];
        attn.requireObject();
        ffn.requireObject();
        BlockShape shape;
        shape.attention = !attn.boolean("no_op", false);
        shape.mlp = !ffn.boolean("no_op", false);
        if (attn.boolean("replace_with_linear", false)) {
            attn["replace_with_linear"].fail("linear replacements of attention are not supported");
        }
        if (ffn.boolean("replace_with_linear", false)) {
            ffn["replace_with_linear"].fail("linear replacements of the FFN are not supported");
        }
        if (shape.attention) {
            requireAbsent(attn, "window_length", "per-block sliding-window attention");
            requireAbsent(attn, "num_sink_tokens", "sink attention");
            requireAbsent(attn, "mamba", "a Mamba mixer");
            requireAbsent(attn, "llama4", "Llama-4 attention");
            const JsonField g = attn["n_heads_in_group"];
            const int64_t n = g.positiveInteger();
            if (cfg.numHeads % n != 0) {
                g.fail("must divide num_attention_heads (" + std::to_string(cfg.numHeads) + ")");
            }
            requireUniform(g, n, groups, "n_heads_in_group");
        }
        if (shape.mlp) {
            requireAbsent(ffn, "moe", "a mixture-of-experts FFN");
            if (!ffn.boolean("gated", true)) ffn["gated"].fail("only gated (SwiGLU) FFNs are supported");
            const std::string act = ffn.string("hidden_act", "silu");
            if (act != "silu" && act != "swish") ffn["hidden_act"].unsupported();
            // ffn_mult (NVIDIA's checkpoints) or an explicit width (ModelOpt's newer code).
            if (ffn.has("ffn_mult")) {
                const JsonField m = ffn["ffn_mult"];
                const double mult = m.number();
                if (mult <= 0 || mult > 1e4) m.fail("must be a positive multiplier");
                requireUniform(m, ffnMultToIntermediateSize(mult, cfg.hiddenSize), ff,
                               "FFN width");
            } else {
                const JsonField size = ffn["intermediate_size"];
                requireUniform(size, size.positiveInteger(), ff, "FFN width");
            }
        }
        cfg.blockShapes.push_back(shape);
    }
    if (groups > 0) {
        const int64_t kv = cfg.numHeads / groups;
        if (cfg.numKvHeads != 0 && cfg.numKvHeads != kv) {
            f["num_key_value_heads"].fail("is " + std::to_string(cfg.numKvHeads) +
                                          " but block_configs give " + std::to_string(kv));
        }
        cfg.numKvHeads = kv;
    }
    if (ff > 0) {
        if (cfg.intermediateSize != 0 && cfg.intermediateSize != ff) {
            f["intermediate_size"].fail("is " + std::to_string(cfg.intermediateSize) +
                                        " but block_configs give " + std::to_string(ff));
        }
        cfg.intermediateSize = ff;
    }
}

}  // namespace

const FamilyTraits kNemotronNasFamily{"nemotron-nas", "DeciLMForCausalLM", false,
                                      &readNemotronNas};

}  // namespace lamina
