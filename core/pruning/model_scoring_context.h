#pragma once

#include <memory>

#include "common/progress.h"
#include "data/calibration.h"
#include "model/model.h"
#include "pruning/prune_options.h"
#include "pruning/scoring_context.h"

namespace lamina {

/// The scoring primitives on a loaded model and a calibration set (both must outlive it).
class ModelScoringContext final : public ScoringContext {
public:
    /// Throws `Error` when the calibration set is empty.
    ModelScoringContext(const Model& model, const CalibrationSet& calibration, ScoringPolicy policy = {});

    const ModelConfig& config() const override;
    int64_t numWindows() const override;
    /// Windows per forward pass: the policy's, or autoBatchWindows.
    int64_t batchWindows() const { return mBatch; }

    Trajectory greedy(const GreedySearch& search, const ProgressFn& progress) override;
    std::vector<double> perplexities(const std::vector<Ablation>& ablations, const ProgressFn& progress) override;
    std::vector<double> removalPerplexities(const std::vector<Unit>& units, const ProgressFn& progress) override;
    std::vector<double> taylorScores(const std::vector<Unit>& units, int normPower,
                                     const ProgressFn& progress) override;
    ImportanceScores analysisMetric(Metric metric, const ProgressFn& progress) override;
    SetScores setDivergences(const SetScoring& scoring, const ProgressFn& progress) override;
    Trajectory slidingMerge(const SlmOptions& options, const ProgressFn& progress) override;

private:
    const Model& mModel;
    const CalibrationSet& mCalibration;
    ScoringPolicy mPolicy;
    int64_t mBatch;
    std::unique_ptr<SetScorer> mSets;  // made on first use: it keeps the unpruned model's outputs
};

/// runPruning on a ModelScoringContext (tests, one-off callers).
Trajectory runPruning(const Model& model, const CalibrationSet& calibration, const PruneOptions& options,
                      const ScoringPolicy& policy = {}, const ProgressFn& progress = {});

}  // namespace lamina
