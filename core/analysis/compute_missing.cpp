// The compute side of cached analysis: loads the model and runs what the store lacks.
#include <algorithm>
#include <chrono>

#include "analysis/analysis_records.h"
#include "analysis/analyzer.h"
#include "analysis/cached_analysis.h"
#include "model/model.h"

namespace lamina {

AnalysisReport analyzeWithCache(AnalysisRequest request, ResultsStore& store,
                                const ProgressFn& progress, std::shared_ptr<const Model> model) {
    const auto start = std::chrono::steady_clock::now();
    // A loaded model's dtype is what the results are computed in, so what they are filed under.
    if (model) request.compute = computeDtypeOf(*model);
    CachePlan plan = planFromStore(request, store);
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (plan.missing.empty()) {
        AnalysisReport report = plan.answer();
        report.seconds = elapsed();
        return report;
    }
    if (!model) {
        LoadOptions load;
        load.compute = request.compute;
        load.weights = request.weights;
        model = loadModel(request.model, load);
    }
    const std::string& modelFp = plan.modelFingerprint;
    CalibrationSet& calibration = plan.calibration;
    // Weights: generation ≈ N·T single-token forwards; analysis dominates otherwise.
    StagedProgress stages(progress, {calibration.windows.ids.empty() ? 0.2 : 0.0, 1.0});
    ensureCalibrationIds(calibration, *model, store, modelFp, stages.stage(0));
    AnalysisOptions options = request.options;
    options.metrics = plan.missing;
    const AnalysisOutput computed = runAnalysis(*model, calibration, options, stages.stage(1));
    const std::string& dataFp = calibration.fingerprint;
    for (const SimilarityMatrix& s : computed.similarities) store.put(toRecord(s, modelFp, dataFp));
    for (const ImportanceScores& s : computed.importances) store.put(toRecord(s, modelFp, dataFp));

    // Assemble in request order: stored results, then the freshly computed ones.
    AnalysisReport report;
    report.calibration = calibration;
    report.modelFingerprint = modelFp;
    report.computed = true;
    for (const ExpectedResult& e : plan.expected) {
        const bool recomputed = std::find(plan.missing.begin(), plan.missing.end(), e.metric) !=
                                plan.missing.end();
        if (!recomputed) {
            appendStoredResult(report, e);
        } else if (e.similarity) {
            for (const SimilarityMatrix& s : computed.similarities) {
                if (s.measure == e.query.method && s.parameters == e.query.parameters) {
                    report.output.similarities.push_back(s);
                    report.similarityFromCache.push_back(false);
                }
            }
        } else {
            for (const ImportanceScores& s : computed.importances) {
                if (s.metric == e.query.method) {
                    report.output.importances.push_back(s);
                    report.importanceFromCache.push_back(false);
                }
            }
        }
    }
    report.seconds = elapsed();
    return report;
}

void ensureCalibrationIds(CalibrationSet& set, const Model& model, ResultsStore& store,
                          const std::string& modelFingerprint, const ProgressFn& progress) {
    if (!set.windows.ids.empty()) return;
    if (const auto stored = store.find(calibrationQuery(set, modelFingerprint))) {
        setCalibrationIds(set, calibrationIdsFromRecord(*stored));
        return;
    }
    const auto bos = model.config.bosTokenId.value_or(1);
    generateCalibration(set, model, static_cast<TokenId>(bos), progress);
    store.put(toRecord(set, modelFingerprint));
}

}  // namespace lamina
