#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/progress.h"
#include "data/token_windows.h"
#include "model/model.h"
#include "pruning/slm_options.h"
#include "pruning/slm_types.h"
#include "pruning/trajectory.h"

namespace lamina {



struct SlmResult {
    std::vector<SlmMerge> merges;  ///< in commit order (top-down)
    Trajectory trajectory;         ///< method "slm": one "merge" step per commit, PPL after it
};

/// Runs SLM on `calibration` (original model = `model`, which must be unpruned). Progress per
/// evaluated window; returning false throws `Cancelled`.
SlmResult runSlm(const Model& model, const TokenWindows& calibration, const SlmOptions& options,
                 const ProgressFn& progress = {});


/// Every distinct SLM result over all thresholds (options.threshold is ignored), highest
/// thresholds first, computed by re-running the decision procedure only where it can change
/// and memoising window similarities. Feeds the GUI's threshold slider.
std::vector<SlmSweepEntry> sweepSlm(const Model& model, const TokenWindows& calibration,
                                    const SlmOptions& options, const ProgressFn& progress = {});

}  // namespace lamina
