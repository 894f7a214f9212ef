#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/progress.h"
#include "data/token_windows.h"
#include "model/model.h"
#include "pruning/slm_options.h"
#include "pruning/trajectory.h"

namespace lamina {


/// A committed merge: original blocks [first, last] became one block.
struct SlmMerge {
    int64_t first = 0;
    int64_t last = 0;
    double similarity = 0;  ///< mean cosine of final-normed last hidden states, original vs merged
};

struct SlmResult {
    std::vector<SlmMerge> merges;  ///< in commit order (top-down)
    Trajectory trajectory;         ///< method "slm": one "merge" step per commit, PPL after it
};

/// Runs SLM on `calibration` (original model = `model`, which must be unpruned). Progress per
/// evaluated window; returning false throws `Cancelled`.
SlmResult runSlm(const Model& model, const TokenWindows& calibration, const SlmOptions& options,
                 const ProgressFn& progress = {});

/// One interval of the threshold sweep: for every T in [thresholdLow, thresholdHigh) SLM
/// commits exactly `merges` (the result is not monotone in T; intervals are disjoint and
/// cover [−1, 1]).
struct SlmSweepEntry {
    double thresholdLow = 0;
    double thresholdHigh = 0;
    std::vector<SlmMerge> merges;
    int64_t removedBlocks = 0;
};

/// Every distinct SLM result over all thresholds (options.threshold is ignored), highest
/// thresholds first, computed by re-running the decision procedure only where it can change
/// and memoising window similarities. Feeds the GUI's threshold slider.
std::vector<SlmSweepEntry> sweepSlm(const Model& model, const TokenWindows& calibration,
                                    const SlmOptions& options, const ProgressFn& progress = {});

}  // namespace lamina
