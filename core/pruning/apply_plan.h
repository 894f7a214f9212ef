#pragma once

#include <memory>

#include "model/model.h"
#include "pruning/plan.h"

namespace lamina {

/// The pruned model of `plan` (in memory; weights shared with `model` where unchanged):
/// dropped blocks and merged windows' extra blocks are gone, merged windows are one block
/// (pruning/merge.h), dropped sublayers have no weights, and the plan's repair is folded into
/// the weights (pruning/repair.h). `sourceLayers` keeps the original
/// indices. `model` must be the unpruned model the plan's layer indices refer to; throws
/// `Error` when the plan does not fit it (layer count).
std::shared_ptr<const Model> applyPlan(const Model& model, const PruningPlan& plan);

}  // namespace lamina
