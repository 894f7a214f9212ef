#pragma once

// Shared by the one-shot methods: rank once, then remove in score order.

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/analysis_types.h"
#include "pruning/scoring_context.h"

namespace lamina::methods {

/// Removes `units` in ascending `scores` order (ties: the earlier unit), with the calibration
/// PPL after each cumulative removal; basePerplexity is the unpruned model's.
Trajectory inScoreOrder(ScoringContext& context, const std::vector<Unit>& units,
                        const std::vector<double>& scores, int64_t maxSteps, const ProgressFn& progress);

/// The values of `units` in an importance vector labelled attn.i / mlp.i / block.i.
std::vector<double> scoresOf(const ImportanceScores& scores, const std::vector<Unit>& units);

}  // namespace lamina::methods

namespace lamina {
struct PruneOptions;
}

namespace lamina::methods {

/// Shortened LLaMA's candidates: every block but the protected ones (PruneOptions::
/// protectedBlocks, by default its "+" heuristic {0, 1, 2, 3, L−2, L−1}).
std::vector<Unit> unprotectedBlocks(const PruneOptions& options, int64_t numLayers);

/// The protected blocks as they key the results ("default" for the heuristic).
nlohmann::json protectedParameter(const PruneOptions& options);

}  // namespace lamina::methods
