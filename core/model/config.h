#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lamina {

/// RoPE frequency scaling (transformers' `rope_scaling` / `rope_parameters`).
struct RopeScaling {
    enum class Type { None, Linear, Llama3, Factors };
    Type type = Type::None;
    /// Factors: one divisor per frequency (llama.cpp's `rope_freqs` tensor in GGUF files)
    std::vector<double> factors;
    double factor = 1.0;
    double lowFreqFactor = 1.0;           ///< llama3
    double highFreqFactor = 4.0;          ///< llama3
    int64_t originalMaxPositions = 8192;  ///< llama3
};

/// Which sublayers one block has. Heterogeneous checkpoints (Nemotron-NAS / DeciLM
/// `block_configs` with `no_op` attention or FFN) lack some; their weights are then absent.
struct BlockShape {
    bool attention = true;
    bool mlp = true;
};

/// Hyper-parameters of a decoder-only model of the Llama family (llama, mistral, qwen2, and
/// nemotron-nas checkpoints whose blocks share one shape apart from removed sublayers).
struct ModelConfig {
    std::string family;        ///< "llama", "mistral", "qwen2", "nemotron-nas" (`model_type`)
    std::string architecture;  ///< e.g. "LlamaForCausalLM"
    int64_t vocabSize = 0;
    int64_t hiddenSize = 0;
    int64_t intermediateSize = 0;
    int64_t numLayers = 0;
    int64_t numHeads = 0;
    int64_t numKvHeads = 0;
    int64_t headDim = 0;  ///< explicit `head_dim`, else hiddenSize / numHeads
    int64_t maxPositions = 0;
    double rmsNormEps = 1e-6;
    double ropeTheta = 10000.0;
    RopeScaling ropeScaling;
    bool qkvBias = false;     ///< q/k/v projection biases (`attention_bias`; always on for qwen2)
    bool outputBias = false;  ///< o_proj bias (llama `attention_bias`)
    bool mlpBias = false;
    bool tieWordEmbeddings = false;
    std::optional<int64_t> slidingWindow;  ///< attend to at most this many past tokens
    std::optional<int64_t> bosTokenId;
    std::optional<int64_t> eosTokenId;
    std::string storedDtype;  ///< `torch_dtype` / `dtype` as written, informational
    /// Per block when some blocks lack a sublayer (nemotron-nas); empty: every block has both.
    std::vector<BlockShape> blockShapes;

    int64_t qDim() const { return numHeads * headDim; }
    int64_t kvDim() const { return numKvHeads * headDim; }
    bool hasAttention(int64_t layer) const {
        return blockShapes.empty() || blockShapes[static_cast<std::size_t>(layer)].attention;
    }
    bool hasMlp(int64_t layer) const {
        return blockShapes.empty() || blockShapes[static_cast<std::size_t>(layer)].mlp;
    }
    /// Attention and FFN sublayers the checkpoint has (2 × numLayers unless some are absent).
    int64_t presentSublayers() const {
        int64_t n = 0;
        for (int64_t i = 0; i < numLayers; ++i) n += int64_t{hasAttention(i)} + int64_t{hasMlp(i)};
        return n;
    }
};

/// Parses config.json text. `source` names the file in error messages. Throws `Error` naming
/// the field for unknown families, unsupported options (`rope_scaling` types other than
/// linear/llama3, activations other than SiLU, ...) and inconsistent values.
ModelConfig parseModelConfig(const std::string& jsonText, const std::string& source);

/// Reads `dir/config.json`.
ModelConfig loadModelConfig(const std::filesystem::path& dir);

}  // namespace lamina
