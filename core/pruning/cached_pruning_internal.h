#pragma once

// Shared by the store side (cached_pruning.cpp) and the compute side (prune_compute.cpp).

#include "model/config.h"
#include "pruning/cached_pruning.h"

namespace lamina::internal {

std::string computeParameters(const PruneRequest& request);
PruneReport finishReport(const PruneRequest& request, Trajectory trajectory,
                         CalibrationSet calibration, const std::string& modelFingerprint,
                         const ModelConfig& config);

}  // namespace lamina::internal
