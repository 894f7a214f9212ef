#pragma once

#include <cstdint>
#include <vector>

#include "common/progress.h"
#include "data/token_windows.h"
#include "model/forward.h"
#include "model/unit.h"

namespace lamina {

/// What removing each unit does to the model's output on a set of windows.
struct UnitRemovalScores {
    std::vector<Unit> units;
    std::vector<double> perplexity;  ///< calibration PPL with the unit removed (ppl_drop)
    std::vector<double> js;          ///< mean JS divergence of next-token distributions vs the
                                     ///< unablated model, nats per token (js_drop)
    double basePerplexity = 0;       ///< with nothing more removed
};

/// Scores every unit of `units` (removed on top of `base`) on `windows`, chunk by chunk: the
/// unablated pass caches the residual stream at every block boundary (and after every
/// attention sublayer), and each candidate's forward starts at its own block from that cache
/// (prefix reuse; identical results to running from block 0, about half the work).
/// `batchWindows` windows run per chunk. Progress counts block forwards.
UnitRemovalScores scoreUnitRemovals(const Model& model, const TokenWindows& windows,
                                    const std::vector<Unit>& units, const Ablation& base = {},
                                    int64_t batchWindows = 4, const ProgressFn& progress = {});

}  // namespace lamina
