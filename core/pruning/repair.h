#pragma once

#include <cstdint>

#include "common/progress.h"
#include "data/token_windows.h"
#include "model/model.h"
#include "pruning/plan.h"

namespace lamina {

/// Folds the first `count` sites of `repair` (all when negative) into the weights of
/// `pruned`, the model of the plan's operations (applyPlan without repair): a linear site
/// replaces the carrier's output projection W by Tᵀ·W (and its bias b by b·T), computed in
/// float64 and stored in W's dtype; a rescale site multiplies the output projections of every
/// later sublayer. Folded tensors are new; the ones they replace are untouched. Throws `Error`
/// when a linear site's matrix is missing or the wrong size.
void foldRepair(Model& pruned, const PlanRepair& repair, int64_t count = -1);

/// Fits `kind` for the cuts of `plan` (its own repair ignored) on `calibration`, one cut after
/// another in depth order, each on the pruned model with the earlier cuts already repaired,
/// against the unpruned model's residual stream after the cut's last missing position:
///  - Linear (ReplaceMe): with the carrier's output M and the residual after it Y, T minimises
///    ‖M·T − (L − Y + M)‖² over all calibration tokens; MᵀM and Mᵀ(L − Y + M) are accumulated
///    in float64 batch by batch (no activations are kept) and solved in float64.
///  - Rescale (Prune&Comp): g = Σ‖L‖ / Σ‖Y‖ over tokens (Y as the repaired-so-far model would
///    see it without the later sublayers' scaling), and the later sublayers are scaled by 1/g.
/// A cut after a tied embedding cannot take a linear map and is recorded as skipped.
/// Deterministic for a thread count. Progress per batch of windows; cancellable.
PlanRepair fitRepair(const Model& original, const PruningPlan& plan, RepairKind kind,
                     const TokenWindows& calibration, int64_t batchWindows = 0,
                     const ProgressFn& progress = {});

}  // namespace lamina
