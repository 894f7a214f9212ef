#pragma once

#include <cstdint>
#include <vector>

#include "common/progress.h"
#include "data/token_windows.h"
#include "model/model.h"
#include "model/unit.h"

namespace lamina {

/// Per-unit scores from weights, for units attn.i, mlp.i and block.i (sublayerUnits then
/// blockUnits order). attn.i covers input_layernorm and q/k/v/o weights; mlp.i covers
/// post_attention_layernorm and gate/up/down; block.i is their sum. Biases are excluded, as in
/// the reference code.
struct WeightScores {
    std::vector<Unit> units;
    std::vector<double> values;
};

/// Taylor+ importance (Shortened LLaMA, arXiv 2402.02834; ref: Nota-NetsPresso/shortened-llm
/// anal_block_sensitivity_taylor.py): s(W) = Σ |W ⊙ ∂ℒ/∂W|^p with ℒ the mean next-token loss
/// over all calibration tokens (one gradient accumulated over chunks of `batchWindows`
/// windows; identical to the reference's single batch). Uses libtorch autograd on aliases of
/// the weights; the model itself is not modified. Progress per chunk.
WeightScores taylorScores(const Model& model, const TokenWindows& windows, int normPower = 1,
                          int64_t batchWindows = 4, const ProgressFn& progress = {});

/// Weight magnitude Σ |W|^p per unit (the reference's magnitude criterion).
WeightScores magnitudeScores(const Model& model, int normPower = 1);

}  // namespace lamina
