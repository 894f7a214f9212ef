#include "analysis/cached_analysis.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "analysis/analysis_records.h"
#include "common/error.h"
#include "model/fingerprint.h"
#include "model/model_summary.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer_for_model.h"

namespace lamina {

namespace {

// One stored result the request needs, and which metric produces it.
struct Expected {
    std::string metric;
    ResultMeta query;
    bool similarity;
};

std::vector<std::string> representations(const AnalysisOptions& o) {
    std::vector<std::string> reps;
    if (o.residual) reps.push_back("residual");
    if (o.sublayer) reps.push_back("sublayer");
    return reps;
}

std::vector<Expected> expectedResults(const AnalysisOptions& o, const std::string& dtype,
                                      const std::string& modelFp, const std::string& dataFp) {
    std::vector<Expected> out;
    for (const std::string& metric : o.metrics) {
        if (metric.rfind("cka_", 0) == 0 || metric == "cosine") {
            for (const std::string& rep : representations(o)) {
                const std::string params = similarityParameters(metric, rep, o, dtype);
                out.push_back({metric, similarityQuery(metric, params, modelFp, dataFp), true});
                if (metric == "cosine") {
                    out.push_back({metric, similarityQuery("angular_distance", params, modelFp, dataFp), true});
                }
            }
        } else {
            out.push_back({metric, importanceQuery(metric, analysisParameters(metric, o, dtype),
                                                   modelFp, dataFp),
                           false});
        }
    }
    return out;
}

}  // namespace

AnalysisReport analyzeWithCache(const AnalysisRequest& request, ResultsStore& store,
                                const ProgressFn& progress, std::shared_ptr<const Model> model) {
    const auto start = std::chrono::steady_clock::now();
    AnalysisReport report;
    report.modelFingerprint = modelFingerprint(request.model);
    const std::string& modelFp = report.modelFingerprint;
    const std::string dtype = request.compute == ComputeDtype::BFloat16 ? "bfloat16" : "float32";
    auto ensureModel = [&]() -> const Model& {
        if (!model) {
            LoadOptions load;
            load.compute = request.compute;
            model = loadModel(request.model, load);
        }
        return *model;
    };

    // The calibration set's identity (and, for text, its ids: tokenizing is cheap).
    if (request.calibrationText.empty()) {
        report.calibration = selfGeneratedSpec(modelFp, request.windows, request.seqLen, request.seed);
    } else {
        const int64_t vocab = describeModel(request.model).config.vocabSize;
        const auto tokenizer = tokenizerForModel(request.model, vocab, request.tokenizer);
        report.calibration = textCalibration(request.calibrationText, *tokenizer, request.seqLen,
                                             request.windows, request.bos);
        if (report.calibration.windows.numWindows < request.windows) {
            throw Error(request.calibrationText.string() + ": only " +
                        std::to_string(report.calibration.windows.numWindows) + " windows of " +
                        std::to_string(request.seqLen) + " tokens, " +
                        std::to_string(request.windows) + " requested");
        }
    }
    const std::string& dataFp = report.calibration.fingerprint;

    const std::vector<Expected> expected = expectedResults(request.options, dtype, modelFp, dataFp);
    std::vector<std::optional<StoredResult>> found;
    std::vector<std::string> missing;
    for (const Expected& e : expected) {
        found.push_back(store.find(e.query));
        if (!found.back() && std::find(missing.begin(), missing.end(), e.metric) == missing.end()) {
            missing.push_back(e.metric);
        }
    }

    AnalysisOutput computed;
    if (!missing.empty()) {
        report.computed = true;
        const Model& m = ensureModel();
        // Weights: generation ≈ N·T single-token forwards; analysis dominates otherwise.
        const bool generate = report.calibration.windows.ids.empty();
        StagedProgress stages(progress, {generate ? 0.2 : 0.0, 1.0});
        if (generate) {
            const ResultMeta q = calibrationQuery(report.calibration, modelFp);
            if (const auto stored = store.find(q)) {
                setCalibrationIds(report.calibration, calibrationIdsFromRecord(*stored));
            } else {
                const auto bos = m.config.bosTokenId.value_or(1);
                generateCalibration(report.calibration, m, static_cast<TokenId>(bos), stages.stage(0));
                store.put(toRecord(report.calibration, modelFp));
            }
        }
        AnalysisOptions options = request.options;
        options.metrics = missing;
        computed = runAnalysis(m, report.calibration, options, stages.stage(1));
        for (const SimilarityMatrix& s : computed.similarities) store.put(toRecord(s, modelFp, dataFp));
        for (const ImportanceScores& s : computed.importances) store.put(toRecord(s, modelFp, dataFp));
    }

    // Assemble in request order: stored results, then the freshly computed ones.
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const Expected& e = expected[i];
        const bool wasMissing = std::find(missing.begin(), missing.end(), e.metric) != missing.end();
        if (!wasMissing) {
            if (e.similarity) {
                report.output.similarities.push_back(similarityFromRecord(*found[i]));
                report.similarityFromCache.push_back(true);
            } else {
                report.output.importances.push_back(importanceFromRecord(*found[i]));
                report.importanceFromCache.push_back(true);
            }
            continue;
        }
        const std::string parameters = e.query.parameters;
        if (e.similarity) {
            for (const SimilarityMatrix& s : computed.similarities) {
                if (s.measure == e.query.method && s.parameters == parameters) {
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
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace lamina
