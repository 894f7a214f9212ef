#pragma once

// The engine behind a GUI session, with an interface free of libtorch headers (widgets and the
// app include this; Qt's `slots` keyword clashes with libtorch).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/cached_analysis.h"
#include "common/progress.h"
#include "data/calibration_request.h"
#include "eval/run_evaluation.h"
#include "workbench/inspection.h"
#include "model/model_summary.h"
#include "pruning/cached_pruning.h"
#include "pruning/plan.h"
#include "pruning/slm_options.h"
#include "pruning/slm_types.h"

namespace lamina {

class ResultsStore;

/// How a pruning plan changes the model on the calibration data.
struct PlanCheck {
    double perplexity = 0;      ///< calibration PPL of the pruned model
    double basePerplexity = 0;  ///< of the unpruned model
    double divergence = 0;      ///< mean JS divergence (nats) of next-token distributions vs unpruned
    /// The same with the asked-for repair fitted on the calibration set and folded in.
    RepairKind repair = RepairKind::None;
    double repairedPerplexity = 0;
    double repairedDivergence = 0;
    double seconds = 0;
};

/// One open model and its results file. Every computation answers from the results file when
/// it can and stores what it computes. Calls may come from any thread; they run one at a time,
/// except `checkPlan`, which runs beside a long computation (a click never waits for one).
class Workbench {
public:
    /// Loads the model at `model` (weights memory-mapped where the dtype allows) and opens
    /// `results`, creating it when missing. Throws `Error` naming the file on bad input.
    static std::shared_ptr<Workbench> open(const std::filesystem::path& model,
                                           const std::filesystem::path& results,
                                           const ProgressFn& progress = {});
    ~Workbench();

    const std::filesystem::path& modelPath() const;
    const ModelSummary& summary() const;
    const std::string& fingerprint() const;
    ResultsStore& store();

    /// `request.model` is set to this model.
    AnalysisReport analyze(AnalysisRequest request, const ProgressFn& progress = {});
    PruneReport prune(PruneRequest request, const ProgressFn& progress = {});
    /// Every distinct SLM merge set over all thresholds (stored as kind "merge_sweep").
    std::vector<SlmSweepEntry> sweepMerges(const CalibrationRequest& data,
                                           const SlmOptions& options,
                                           const ProgressFn& progress = {});
    /// Calibration perplexity and output divergence of `plan` against the unpruned model, by
    /// the same comparison as the analysis's ppl_drop and js_drop (a plan removing one unit
    /// scores exactly that unit's values). The unpruned outputs are kept for the last
    /// calibration set (within a memory budget), so repeated checks cost one forward pass of
    /// the pruned model; checking the empty plan prepares them (what opening a model in the
    /// GUI does, so the first click answers as fast as the later ones).
    /// With `repair`, the plan is also scored with that repair fitted on the same set.
    PlanCheck checkPlan(const PruningPlan& plan, const CalibrationRequest& data,
                        const ProgressFn& progress = {}, RepairKind repair = RepairKind::None);
    /// Calibration PPL on `data` of the plan of each step of `trajectory` (what the chart's
    /// points load: trajectory.operations(k)) with `repair` fitted on `data`; entry k−1 for step
    /// k — the repaired counterpart of the trajectory's own perplexities.
    std::vector<double> repairedTrajectory(const Trajectory& trajectory, RepairKind repair,
                                           const CalibrationRequest& data, const ProgressFn& progress = {});
    /// `plan` with `repair` fitted on `data` (pruning/repair.h); unchanged for RepairKind::None.
    PruningPlan withRepair(PruningPlan plan, RepairKind repair, const CalibrationRequest& data,
                           const ProgressFn& progress = {});
    /// Evaluates the model, pruned by `plan` when given.
    std::vector<TaskOutcome> evaluate(const EvalRequest& request, const PruningPlan* plan,
                                      const ProgressFn& progress = {});
    /// Writes the pruned model (`format`: "hf" | "decilm" | "gguf" | "gguf:<f32|f16|bf16|q8_0>"),
    /// as `lamina-cli apply` does.
    void exportModel(const PruningPlan& plan, const std::filesystem::path& out,
                     const std::string& format, const ProgressFn& progress = {});

    /// Continues `request.prompt` with the unpruned model, then with `plan` applied (one after
    /// the other, so each side's tokens/s is its own), calling `onUpdate` after every token;
    /// returning false from it stops (throws `Cancelled`). Runs beside a long computation.
    Comparison compare(const PruningPlan& plan, const CompareRequest& request,
                       const std::function<bool(const Comparison&)>& onUpdate = {});
    /// The logit lens of `prompt` at token `position` (-1: the last) for the unpruned model
    /// and `plan`, top `k` tokens per residual stream.
    LensResult logitLens(const PruningPlan& plan, const std::string& prompt, int64_t position, int64_t k);
    /// A plan for this model with `operations` (fingerprint, family and layers filled in).
    PruningPlan makePlan(std::vector<PlanOperation> operations, nlohmann::json method) const;

private:
    struct Impl;
    explicit Workbench(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> mImpl;
};

}  // namespace lamina
