#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model/config.h"

namespace lamina {

/// Parameter counts of one decoder block.
struct LayerSummary {
    int64_t index = 0;
    int64_t attnParams = 0;  ///< input norm + q, k, v, o (+ biases)
    int64_t mlpParams = 0;   ///< post-attention norm + gate, up, down (+ biases)
};

/// What a model is, read from its config and tensor headers only (no weights are touched, so
/// this is instant even for a 70B checkpoint). Plain data, usable from Qt code.
struct ModelSummary {
    std::filesystem::path path;
    std::string format;  ///< "hf-safetensors", "gguf" or "llama2c"
    ModelConfig config;
    std::string storedDtype;  ///< dtype of the weights on disk, e.g. "BF16"
    int64_t totalParams = 0;  ///< every stored parameter (tied embeddings counted once)
    int64_t embeddingParams = 0;
    int64_t lmHeadParams = 0;  ///< 0 when tied
    int64_t bytesOnDisk = 0;
    std::vector<std::string> files;
    std::vector<LayerSummary> layers;
};

/// Describes the model at `path` (HF directory or llama2.c file). Validates headers like
/// `loadModel` does and throws `Error` on the same problems, except weight values.
ModelSummary describeModel(const std::filesystem::path& path);

/// Parameters of one block of `config`, split into attention and FFN.
LayerSummary layerParams(const ModelConfig& config, int64_t index);

}  // namespace lamina
