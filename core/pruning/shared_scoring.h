#pragma once

#include <vector>

#include "analysis/unit_removal.h"
#include "common/collective.h"

namespace lamina {

/// One greedy step's scoring, spread over `group` (null or one rank: this process scores all):
/// rank r scores units[k] for k ≡ r (mod size), every rank gets every score. With `estimate`
/// (the previous step's, one per unit) and `options.leader` ≥ 0 each rank runs a bounded
/// search led by its own best-looking unit; the arg-min over all ranks stays exact, since a
/// rank never abandons a unit at least as good as one it completed.
UnitRemovalScores scoreUnitsShared(const Collective* group, const Model& model,
                                   const TokenWindows& windows, const std::vector<Unit>& units,
                                   RemovalOptions options, const std::vector<double>& estimate,
                                   const ProgressFn& progress);

/// Throws `Error` unless every rank of `group` holds the same calibration ids (a rank that
/// generated or read different ones would break the single-process trajectory).
void checkSameWindows(const Collective* group, const TokenWindows& windows);

}  // namespace lamina
