#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "model/model.h"

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

/// Imports a llama2.c v0 checkpoint (ref: karpathy/llama2.c export.py `legacy_export`, run.c).
/// llama2.c rotates interleaved pairs (x[2i], x[2i+1]); q and k rows are permuted to the
/// Hugging Face half-split convention so the common forward pass applies unchanged.
std::shared_ptr<Model> loadLlama2cModel(const std::filesystem::path& path,
                                        const LoadOptions& options);

}  // namespace lamina
