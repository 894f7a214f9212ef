#pragma once

// Shared by the store side (cached_pruning.cpp) and the compute side (prune_compute.cpp).

#include <string>
#include <vector>

#include "model/config.h"
#include "pruning/cached_pruning.h"

namespace lamina::internal {

std::string computeParameters(const PruneRequest& request);

/// Sizes (units to remove) a searchesSizes method must have answered: one per ratio, or
/// `steps`; the plan's is `stepsNeeded`.
std::vector<int64_t> sizesNeeded(const PruneRequest& request, int64_t numLayers);
/// Those of `sizes` that no step of `stored` answers.
std::vector<int64_t> missingSizes(const Trajectory& stored, const std::vector<int64_t>& sizes);
/// `stored`'s steps and `added`'s, in order of size (the trajectory a search grows into).
Trajectory mergeSizes(Trajectory stored, const Trajectory& added);
/// For a searchesSizes method: the store's greedy trajectories on the same model, calibration
/// and dtype whose units it can search, as seeds (options.evo), in name order.
void addSeeds(PruneRequest& request, const ResultsStore& store, const std::string& modelFingerprint,
              const std::string& datasetFingerprint, const ModelConfig& config);
PruneReport finishReport(const PruneRequest& request, Trajectory trajectory,
                         CalibrationSet calibration, const std::string& modelFingerprint,
                         const ModelConfig& config);

}  // namespace lamina::internal
