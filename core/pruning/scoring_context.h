#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analysis_types.h"
#include "analysis/divergence.h"
#include "analysis/metric.h"
#include "analysis/set_scoring.h"
#include "common/collective.h"
#include "common/progress.h"
#include "model/ablation.h"
#include "model/config.h"
#include "pruning/slm_options.h"
#include "pruning/trajectory.h"

namespace lamina {

/// How a context computes, never what: any policy gives the same trajectory (bit for bit for
/// one thread count), so none of it is part of a result's key.
struct ScoringPolicy {
    int64_t batchWindows = 0;  ///< windows per forward; 0: automatic (autoBatchWindows)
    /// Greedy methods: each candidate starts at its own block from the base's cached stream.
    bool prefixReuse = true;
    /// Greedy methods: candidates that cannot win are abandoned early (GreedyOptions).
    bool boundedSearch = true;
    /// Processes sharing the candidate scoring (MPI ranks); null: this one alone.
    const Collective* group = nullptr;
};

/// What a greedy step minimises.
enum class GreedyCriterion {
    Divergence,  ///< FinerCut: distance of the output from the unpruned model's
    Nll,         ///< SLEB: calibration NLL of the pruned model
    Perplexity,  ///< BlockPruner: calibration PPL of the pruned model
};

struct GreedySearch {
    std::vector<Unit> candidates;
    GreedyCriterion criterion = GreedyCriterion::Divergence;
    Divergence divergence = Divergence::Js;
    int64_t maxSteps = 0;  ///< 0: until every candidate is ranked
};

/// One model, one calibration set and how to compute on them: the scoring primitives every
/// method is written in (as llama.cpp's llama_context sits beside the immutable llama_model).
/// Methods see only this interface, so they build without libtorch; ModelScoringContext
/// (pruning/model_scoring_context.h) is the implementation. Every primitive reports progress
/// and throws `Cancelled` when it returns false.
class ScoringContext {
public:
    virtual ~ScoringContext() = default;

    virtual const ModelConfig& config() const = 0;
    int64_t numLayers() const { return config().numLayers; }
    virtual int64_t numWindows() const = 0;

    /// Greedy removal (FinerCut, SLEB, BlockPruner): at each step the candidate whose removal,
    /// on top of the steps so far, scores lowest (ties: the earlier candidate).
    virtual Trajectory greedy(const GreedySearch& search, const ProgressFn& progress) = 0;
    /// Calibration perplexity of the model with each ablation.
    virtual std::vector<double> perplexities(const std::vector<Ablation>& ablations,
                                             const ProgressFn& progress) = 0;
    /// Calibration perplexity with each unit removed alone.
    virtual std::vector<double> removalPerplexities(const std::vector<Unit>& units,
                                                    const ProgressFn& progress) = 0;
    /// Taylor+ importance Σ|W ⊙ ∂ℒ/∂W|^p of each unit.
    virtual std::vector<double> taylorScores(const std::vector<Unit>& units, int normPower,
                                             const ProgressFn& progress) = 0;
    /// One importance metric of the analysis (BI, angular, ...).
    virtual ImportanceScores analysisMetric(Metric metric, const ProgressFn& progress) = 0;
    /// Divergence from the unpruned model of whole configurations (a search's candidates), on
    /// chosen windows, abandoning those that cannot survive (SetScoring).
    virtual SetScores setDivergences(const SetScoring& scoring, const ProgressFn& progress) = 0;
    /// Sliding Layer Merging's top-down merges, one "merge" step each.
    virtual Trajectory slidingMerge(const SlmOptions& options, const ProgressFn& progress) = 0;
};

}  // namespace lamina
