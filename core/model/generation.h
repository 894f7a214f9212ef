#pragma once

#include <cstdint>
#include <functional>
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

/// What `generate` does after the prompt.
struct GenerateOptions {
    int64_t maxNewTokens = 128;
    SamplingOptions sampling;          ///< temperature 0: greedy
    std::vector<TokenId> stopTokens;   ///< a row that produces one stops (the token is kept)
};

struct GenerateStats {
    double setupSeconds = 0;    ///< the step kernel's set-up (weights converted to float32)
    double prefillSeconds = 0;  ///< prompt forward + first token: the time to first token
    double decodeSeconds = 0;   ///< every later token
    int64_t decodeSteps = 0;    ///< forwards after the prefill (one token per row each)
    int64_t kvCacheBytes = 0;   ///< the cache's buffers at the end
};

struct Generation {
    std::vector<std::vector<TokenId>> tokens;  ///< per row: the new tokens only
    GenerateStats stats;
};

/// Continues each prompt (all of one length, >= 1 token) with a KV cache reserved for the
/// whole sequence: one forward over the prompts, then one per new token (every row at once).
/// `model` is the model to run — a pruned one from applyPlan keeps no cache for removed
/// attention. Sampling draws from one seeded CPU generator, row by row, so a batch of one
/// depends only on the model, prompt and options. After each step `onStep` gets the step's
/// token per row (−1 for rows that have stopped); returning false ends generation there.
Generation generate(const Model& model, const std::vector<std::vector<TokenId>>& prompts,
                    const GenerateOptions& options,
                    const std::function<bool(const std::vector<TokenId>&)>& onStep = {});

}  // namespace lamina
