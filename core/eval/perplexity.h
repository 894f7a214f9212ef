#pragma once

#include <cstdint>
#include <vector>

#include "common/collective.h"
#include "common/progress.h"
#include "data/token_windows.h"
#include "model/forward.h"

namespace lamina {

struct PerplexityResult {
    double perplexity = 0;  ///< exp(mean NLL)
    double meanNll = 0;     ///< nats per predicted token
    int64_t tokens = 0;     ///< predicted tokens: numWindows × (T − 1 − scoreFrom)
    int64_t windows = 0;
    std::vector<double> windowNll;  ///< mean NLL of each window
};

/// Perplexity of `model` (with `ablation` applied) on `windows`: each window is scored
/// independently, position t predicting token t+1 for t ≥ `scoreFrom` (earlier positions are
/// context only: llama-perplexity counts the second half); PPL = exp(mean NLL over all
/// predicted tokens), accumulated in float64. `batchSize` windows run per forward pass.
/// Progress is reported per window; returning false throws `Cancelled`.
PerplexityResult evaluatePerplexity(const Model& model, const TokenWindows& windows,
                                    const Ablation& ablation = {}, int64_t batchSize = 8,
                                    const ProgressFn& progress = {}, int64_t scoreFrom = 0);

/// evaluatePerplexity of the unablated model with its batches shared among `group`'s ranks
/// (rank r runs batches ≡ r mod size; null or one rank: this process runs all). Every rank
/// gets the whole result; the mean NLL is then the mean of the windows' means (every window
/// predicts T − 1 tokens), equal to the single process's up to float64 rounding.
PerplexityResult evaluatePerplexityShared(const Collective* group, const Model& model,
                                          const TokenWindows& windows, int64_t batchSize = 8,
                                          const ProgressFn& progress = {});

}  // namespace lamina
