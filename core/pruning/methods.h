#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/progress.h"
#include "pruning/prune_options.h"
#include "pruning/trajectory.h"

namespace lamina {

struct Model;
struct CalibrationSet;

/// Runs the method on the calibration set. Every method yields a trajectory with the
/// calibration perplexity after each step (one-shot methods remove in score order).
Trajectory runPruning(const Model& model, const CalibrationSet& calibration,
                      const PruneOptions& options, const ProgressFn& progress = {});

}  // namespace lamina
