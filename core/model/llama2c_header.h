#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "model/config.h"

namespace lamina {

/// Header of a llama2.c legacy (v0) checkpoint: seven int32 followed by float32 weights.
struct Llama2cHeader {
    int32_t dim, hiddenDim, numLayers, numHeads, numKvHeads, vocabSize, seqLen;
    bool sharedClassifier;  ///< vocab_size > 0 in the file means tied embeddings
};

/// Reads and validates the header of `path` against the file size; nullopt when the file is
/// not a consistent llama2.c v0 checkpoint (so callers can try other formats).
std::optional<Llama2cHeader> probeLlama2c(const std::filesystem::path& path);

/// The equivalent Hugging Face Llama configuration (run.c's constants: eps 1e-5, θ 10000,
/// BOS 1, EOS 2).
ModelConfig llama2cConfig(const Llama2cHeader& header);

}  // namespace lamina
