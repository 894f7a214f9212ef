// The store side of cached pruning (no libtorch).
#include "pruning/cached_pruning.h"

#include <chrono>
#include <cmath>

#include "common/error.h"
#include "model/fingerprint.h"
#include "model/model_summary.h"
#include "pruning/cached_pruning_internal.h"
#include "pruning/trajectory_records.h"
#include "store/results_store.h"

namespace lamina {

void checkStoppingRule(const PruneRequest& r) {
    const int rules = (r.ratio >= 0) + (r.steps > 0) + (r.useThreshold ? 1 : 0);
    if (rules != 1) throw Error("give exactly one of --ratio, --threshold and --steps");
    if (r.ratio >= 0 && r.ratio > 1) throw Error("--ratio must be in [0, 1]");
    const MethodTraits& m = *r.options.method;
    if (r.ratio >= 0 && m.steeredByThreshold) {
        throw Error(std::string(m.name) + " is steered by --threshold (or --steps: the first K merges); its "
                    "removed fraction is not monotone in the threshold");
    }
    if (r.useThreshold && !m.steeredByThreshold) {
        throw Error("--threshold applies to slm only; use --ratio or --steps for " + std::string(m.name));
    }
    if (r.useThreshold && (r.options.slm.threshold < -1 || r.options.slm.threshold > 1)) {
        throw Error("--threshold must be in [-1, 1]");
    }
    checkPruneOptions(r.options);
}

int64_t stepsNeeded(const PruneRequest& r, int64_t L) {
    if (r.steps > 0) return r.steps;
    if (r.ratio < 0 || r.options.method->steeredByThreshold) return 0;
    const double sublayers = std::ceil(r.ratio * 2.0 * static_cast<double>(L) - 1e-9);
    return static_cast<int64_t>(r.options.unitsOrDefault() == UnitSet::Block ? std::ceil(sublayers / 2.0) : sublayers);
}

namespace internal {

std::string computeParameters(const PruneRequest& r) {
    return pruneParameters(r.options, computeDtypeName(r.compute));
}

PruneReport finishReport(const PruneRequest& r, Trajectory t, CalibrationSet calibration,
                         const std::string& modelFp, const ModelConfig& config) {
    PruneReport report;
    const int64_t L = config.numLayers;
    report.planSteps = r.steps > 0               ? std::min<std::size_t>(r.steps, t.steps.size())
                       : r.ratio >= 0 && !r.options.method->steeredByThreshold ? stepsForRatio(t, r.ratio, L)
                                                  : t.steps.size();
    if (r.steps > 0 && !t.cumulative) report.planSteps = std::min<std::size_t>(r.steps, t.steps.size());
    PruningPlan& plan = report.plan;
    plan.modelFingerprint = modelFp;
    plan.family = config.family;
    plan.layers = L;
    plan.method = nlohmann::json::parse(t.parameters);
    plan.method["name"] = t.method;
    plan.calibration = {{"fingerprint", calibration.fingerprint},
                        {"description", calibration.description},
                        {"windows", calibration.windows.numWindows},
                        {"seq", calibration.windows.seqLen}};
    plan.operations = t.operations(report.planSteps, r.options.slm.formula);
    plan.metrics = {{"base_ppl", t.basePerplexity}, {"steps", report.planSteps}};
    if (report.planSteps > 0) {
        const TrajectoryStep& last = t.steps[report.planSteps - 1];
        plan.metrics["calibration_ppl"] = last.perplexity;
        plan.metrics["removed_sublayers"] = last.removedSublayers;
        plan.metrics["removed_fraction"] = static_cast<double>(last.removedSublayers) / (2.0 * L);
        plan.metrics["removed_params"] = last.removedParams;
    } else {
        plan.metrics["calibration_ppl"] = t.basePerplexity;
        plan.metrics["removed_sublayers"] = 0;
        plan.metrics["removed_fraction"] = 0.0;
        plan.metrics["removed_params"] = 0;
    }
    report.trajectory = std::move(t);
    report.calibration = std::move(calibration);
    report.modelFingerprint = modelFp;
    return report;
}

}  // namespace internal

std::optional<PruneReport> pruneFromStore(const PruneRequest& r, const ResultsStore& store) {
    checkStoppingRule(r);
    const auto start = std::chrono::steady_clock::now();
    const std::string modelFp = modelFingerprint(r.model);
    const ModelSummary summary = describeModel(r.model);
    CalibrationSet calibration = resolveCalibration(r.data, r.model, modelFp);
    const auto stored = store.find(
        trajectoryQuery(r.options.method.name(), internal::computeParameters(r), modelFp, calibration.fingerprint));
    if (!stored) return std::nullopt;
    Trajectory t = trajectoryFromRecord(*stored);
    const int64_t needed = stepsNeeded(r, summary.config.numLayers);
    const bool enough = t.requestedSteps == 0 ||
                        (needed > 0 && static_cast<int64_t>(t.steps.size()) >= needed);
    if (!enough) return std::nullopt;
    PruneReport report = internal::finishReport(r, std::move(t), std::move(calibration), modelFp,
                                                summary.config);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace lamina
