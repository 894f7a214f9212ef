#pragma once

#include <string>
#include <vector>

#include "model/model.h"
#include "pruning/plan.h"

namespace lamina {

/// Merge formulas of Sliding Layer Merging (methods.md). Each merges the window of blocks
/// `window` (consecutive, first = base) into one block; norms always come from the base.
/// - "rdsc" (paper, LaCo's Reserving-Differences-while-Seeking-Common): θ* = θ_base +
///   Σ_{i≠base} (θ_i − θ_base) for every projection matrix and bias;
/// - "inplace" (released code): the top block's projections (effectively dropping the others);
/// - "average": the mean of the window's projections.
/// Merged projections are computed in `compute` (the model's compute dtype) whatever dtype
/// the weights are stored in, so mapped and converted weights merge to the same values.
/// Throws `Error` for an empty window or blocks missing a sublayer.
BlockWeights mergeBlocks(const std::vector<const BlockWeights*>& window, MergeFormula formula,
                         at::ScalarType compute);

}  // namespace lamina
