#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/unit.h"
#include "pruning/plan.h"

namespace lamina {

/// What one decision of a method does: drop a sublayer or a block, merge a window of blocks
/// into its first, or — a non-cumulative step, its own configuration — drop a span of blocks
/// (Gromov's) or a set of units (a search's answer for one ratio).
enum class StepKind { Attn, Mlp, Block, Merge, Span, Set };

/// "attn" | "mlp" | "block" | "merge" | "span" | "set" (JSON, the results file).
const char* stepKindName(StepKind kind);
/// Throws `Error` for any other name.
StepKind parseStepKind(const std::string& name);
StepKind stepKindOf(Unit::Kind kind);
/// Merge and span steps cover blocks [layer, lastLayer]; the others one unit.
inline bool coversRange(StepKind k) { return k == StepKind::Merge || k == StepKind::Span; }

/// One decision of a pruning method, in original layer indices.
struct TrajectoryStep {
    StepKind kind = StepKind::Block;
    int64_t layer = 0;       ///< the unit's block; merge/span: first block; set: shallowest unit's
    int64_t lastLayer = 0;   ///< merge/span: last block (inclusive); set: deepest unit's; else == layer
    std::vector<Unit> units; ///< set: the removed units, in depth order; empty otherwise
    double score = 0;        ///< the method's criterion for this decision (see Trajectory)
    double perplexity = 0;   ///< calibration PPL with this and every earlier step applied
    int64_t removedSublayers = 0;  ///< cumulative, for the x-axis of comparisons
    int64_t removedParams = 0;     ///< cumulative parameters removed from the blocks

    /// The unit an attn, mlp or block step removes (throws `Error` for the other kinds).
    Unit unit() const;
    /// The plan operation of this step (merges use `formula`).
    PlanOperation operation(MergeFormula formula = MergeFormula::Rdsc) const;
};

/// What a method decided, in order. Steps are cumulative unless `cumulative` is false (Gromov's
/// n-block spans, a search's sets: each step is its own configuration, in order of size).
struct Trajectory {
    std::string method;       ///< finercut, shortened-ppl, shortened-taylor, slm, shortgpt, ...
    std::string parameters;   ///< canonical JSON (cache key)
    std::string scoreName;    ///< what `score` is: "js", "ppl", "bi", "similarity", ...
    double basePerplexity = 0;  ///< calibration PPL of the unpruned model
    bool cumulative = true;
    int64_t requestedSteps = 0;  ///< the step limit it was computed with; 0 = no limit
    std::vector<TrajectoryStep> steps;
    /// Greedy bounded search: candidate scorings it stopped early (this run only; not stored).
    int64_t abandonedCandidates = 0;
    /// Searches: candidate configurations scored, in units of one scoring on every calibration
    /// window (this run only; not stored).
    double candidateEvaluations = 0;

    /// Operations of the first `count` steps (for a non-cumulative trajectory: of step
    /// count−1 alone). Merges use `formula`.
    std::vector<PlanOperation> operations(std::size_t count, MergeFormula formula = MergeFormula::Rdsc) const;
};

/// A set step removing `units` (sorted into depth order).
TrajectoryStep setStep(std::vector<Unit> units);

/// Fills removedSublayers / removedParams of every step from the config.
void accumulateRemovals(Trajectory& trajectory, const ModelConfig& config);

}  // namespace lamina
