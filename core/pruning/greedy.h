#pragma once

#include <cstdint>
#include <vector>

#include "analysis/unit_removal.h"
#include "common/collective.h"
#include "pruning/scoring_context.h"
#include "pruning/trajectory.h"

namespace lamina {

struct GreedyOptions {
    std::vector<Unit> candidates;
    GreedyCriterion criterion = GreedyCriterion::Divergence;
    Divergence divergence = Divergence::Js;
    int64_t maxSteps = 0;  ///< 0: until every candidate is ranked
    bool prefixReuse = true;
    /// From the second step on, score the previous step's best-looking candidate first and
    /// abandon the others once they cannot win (RemovalOptions::leader): same trajectory.
    bool boundedSearch = true;
    int64_t batchWindows = 4;
    /// Processes sharing each step's candidates (scoreUnitsShared); null: this one alone.
    const Collective* group = nullptr;
};

/// Greedy iterative removal: at every step score each remaining candidate with the already
/// removed set masked, remove the arg-min (ties: the earlier candidate), record (unit, score,
/// calibration PPL). Steps are "attn" / "mlp" / "block". basePerplexity is the unpruned
/// model's. Progress spans all steps; returning false throws `Cancelled`.
Trajectory greedyRemoval(const Model& model, const TokenWindows& windows,
                         const GreedyOptions& options, const ProgressFn& progress = {});

}  // namespace lamina
