#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/progress.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace lamina {

struct SamplingOptions {
    double temperature = 1.0;  ///< 0 = greedy (argmax)
    double topP = 0.95;        ///< nucleus sampling as transformers' TopPLogitsWarper
    uint64_t seed = 0;
};

/// Samples `count` sequences of `length` tokens from `model`, each starting with `bos` at
/// position 0, using a KV cache. Sequences are generated in fixed groups of 16 with one seeded
/// generator, so the result depends only on the model, the arguments and the seed. When
/// `eos` is sampled the next position gets `bos` (a new document starts), so every sequence
/// has exactly `length` tokens. Returns the ids row-major (count × length). Progress counts
/// generated positions; returning false throws `Cancelled`.
std::vector<TokenId> sampleSequences(const Model& model, int64_t count, int64_t length,
                                     TokenId bos, std::optional<TokenId> eos,
                                     const SamplingOptions& options,
                                     const ProgressFn& progress = {});

}  // namespace lamina
