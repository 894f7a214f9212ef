#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/divergence.h"
#include "common/progress.h"
#include "data/token_windows.h"
#include "model/forward.h"
#include "model/unit.h"

namespace lamina {


struct RemovalOptions {
    Ablation base;                     ///< units already removed (earlier greedy steps)
    Divergence divergence = Divergence::Js;
    /// Compare against the unablated model (FinerCut: "the full model") instead of `base`.
    bool againstOriginal = false;
    /// Start each candidate at its own block from cached residual states (identical results,
    /// about half the work); false runs every candidate from block 0 (for tests/benchmarks).
    bool prefixReuse = true;
    int64_t batchWindows = 4;
};

/// What removing each unit (on top of `base`) does to the model's output on a set of windows.
struct UnitRemovalScores {
    std::vector<Unit> units;
    std::vector<double> perplexity;  ///< calibration PPL with base + the unit removed
    std::vector<double> nll;         ///< mean next-token NLL, the same (log of perplexity)
    std::vector<double> divergence;  ///< vs the reference, per RemovalOptions::divergence
    double basePerplexity = 0;       ///< with `base` only
};

/// Scores every unit of `units` chunk by chunk: one pass of the `base` model caches the
/// residual stream at every block boundary (and after every attention sublayer), and each
/// candidate's forward starts at its own block from that cache. Progress counts block
/// forwards; returning false throws `Cancelled`.
UnitRemovalScores scoreUnitRemovals(const Model& model, const TokenWindows& windows,
                                    const std::vector<Unit>& units,
                                    const RemovalOptions& options = {},
                                    const ProgressFn& progress = {});

}  // namespace lamina
