// The store side of cached pruning (no libtorch).
#include "pruning/cached_pruning.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

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
    if (!r.ratios.empty() && !m.searchesSizes) {
        throw Error("--ratio takes one value for " + std::string(m.name) + " (a list only for methods that search each ratio)");
    }
    for (const double x : r.ratios) {
        if (x < 0 || x > 1) throw Error("--ratio must be in [0, 1]");
    }
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
    if (r.options.method->searchesSizes) {
        // The step of the plan's size (steps are in order of size).
        const int64_t size = stepsNeeded(r, L);
        report.planSteps = t.steps.size();
        for (std::size_t k = 0; k < t.steps.size(); ++k) {
            if (static_cast<int64_t>(t.steps[k].units.size()) == size) report.planSteps = k + 1;
        }
    } else if (r.steps > 0) {
        report.planSteps = std::min<std::size_t>(r.steps, t.steps.size());
    } else {
        report.planSteps = r.ratio >= 0 && !r.options.method->steeredByThreshold ? stepsForRatio(t, r.ratio, L)
                                                                                  : t.steps.size();
    }
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

std::vector<int64_t> sizesNeeded(const PruneRequest& r, int64_t L) {
    std::vector<int64_t> sizes;
    for (const double x : r.ratios) {
        PruneRequest one = r;
        one.ratio = x;
        sizes.push_back(stepsNeeded(one, L));
    }
    sizes.push_back(stepsNeeded(r, L));
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    return sizes;
}

std::vector<int64_t> missingSizes(const Trajectory& stored, const std::vector<int64_t>& sizes) {
    std::vector<int64_t> missing;
    for (const int64_t k : sizes) {
        const bool have = std::any_of(stored.steps.begin(), stored.steps.end(),
                                      [&](const TrajectoryStep& s) { return static_cast<int64_t>(s.units.size()) == k; });
        if (!have) missing.push_back(k);
    }
    return missing;
}

Trajectory mergeSizes(Trajectory stored, const Trajectory& added) {
    stored.steps.insert(stored.steps.end(), added.steps.begin(), added.steps.end());
    std::stable_sort(stored.steps.begin(), stored.steps.end(), [](const TrajectoryStep& a, const TrajectoryStep& b) {
        return a.units.size() < b.units.size();
    });
    stored.candidateEvaluations = added.candidateEvaluations;
    return stored;
}

void addSeeds(PruneRequest& r, const ResultsStore& store, const std::string& modelFp, const std::string& dataFp,
              const ModelConfig& config) {
    EvoOptions& e = r.options.evo;
    e.seedOrders.clear();
    e.seedNames.clear();
    const std::string dtype = computeDtypeName(r.compute);
    const std::vector<Unit> candidates = candidateUnits(r.options.unitsOrDefault(), config, r.options.protectFirst);
    std::vector<std::pair<std::string, std::vector<Unit>>> seeds;
    for (const ResultMeta& meta : store.list()) {
        if (meta.kind != "trajectory" || meta.modelFingerprint != modelFp || meta.datasetFingerprint != dataFp) continue;
        if (MethodRef(meta.method)->searchesSizes) continue;
        const auto params = nlohmann::json::parse(meta.parameters, nullptr, false);
        if (params.is_discarded() || params.value("dtype", "") != dtype) continue;
        const auto stored = store.find(meta);
        if (!stored) continue;
        const Trajectory t = trajectoryFromRecord(*stored);
        if (!t.cumulative || t.steps.empty()) continue;
        std::vector<Unit> order;
        for (const TrajectoryStep& s : t.steps) {
            if (s.kind != StepKind::Attn && s.kind != StepKind::Mlp && s.kind != StepKind::Block) break;
            const Unit u = s.unit();
            if (std::find(candidates.begin(), candidates.end(), u) == candidates.end()) break;
            order.push_back(u);
        }
        if (order.size() == t.steps.size()) seeds.emplace_back(meta.method + " " + meta.parameters, order);
    }
    std::sort(seeds.begin(), seeds.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [name, order] : seeds) {
        e.seedNames.push_back(name);
        e.seedOrders.push_back(std::move(order));
    }
}

}  // namespace internal

std::optional<PruneReport> pruneFromStore(const PruneRequest& r, const ResultsStore& store) {
    checkStoppingRule(r);
    const auto start = std::chrono::steady_clock::now();
    const std::string modelFp = modelFingerprint(r.model);
    const ModelSummary summary = describeModel(r.model);
    CalibrationSet calibration = resolveCalibration(r.data, r.model, modelFp);
    PruneRequest request = r;
    const bool sizes = r.options.method->searchesSizes;
    if (sizes) internal::addSeeds(request, store, modelFp, calibration.fingerprint, summary.config);
    const auto stored = store.find(trajectoryQuery(request.options.method.name(), internal::computeParameters(request),
                                                   modelFp, calibration.fingerprint));
    if (!stored) return std::nullopt;
    Trajectory t = trajectoryFromRecord(*stored);
    const int64_t needed = stepsNeeded(r, summary.config.numLayers);
    const bool enough = sizes ? internal::missingSizes(t, internal::sizesNeeded(r, summary.config.numLayers)).empty()
                              : t.requestedSteps == 0 || (needed > 0 && static_cast<int64_t>(t.steps.size()) >= needed);
    if (!enough) return std::nullopt;
    PruneReport report = internal::finishReport(request, std::move(t), std::move(calibration), modelFp,
                                                summary.config);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace lamina
