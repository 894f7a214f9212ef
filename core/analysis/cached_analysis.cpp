// The store side of cached analysis: no libtorch here, so `lamina-cli analyze` can answer a
// repeated request without loading the engine.
#include "analysis/cached_analysis.h"

#include <algorithm>

#include "analysis/analysis_records.h"
#include "common/error.h"
#include "model/fingerprint.h"

namespace lamina {

namespace {

std::vector<std::string> representations(const AnalysisOptions& o) {
    std::vector<std::string> reps;
    if (o.residual) reps.push_back("residual");
    if (o.sublayer) reps.push_back("sublayer");
    return reps;
}

std::vector<ExpectedResult> expectedResults(const AnalysisOptions& o, const std::string& dtype,
                                            const std::string& modelFp, const std::string& dataFp) {
    std::vector<ExpectedResult> out;
    for (const Metric metric : o.metrics) {
        const std::string name = metricName(metric);
        if (metricInfo(metric).kind == MetricKind::Similarity) {
            for (const std::string& rep : representations(o)) {
                const std::string params = similarityParameters(metric, rep, o, dtype);
                out.push_back({metric, similarityQuery(name, params, modelFp, dataFp), true, {}});
                if (metric == Metric::Cosine) {
                    out.push_back({metric,
                                   similarityQuery("angular_distance", params, modelFp, dataFp),
                                   true, {}});
                }
            }
        } else {
            out.push_back({metric,
                           importanceQuery(name, analysisParameters(metric, o, dtype), modelFp, dataFp),
                           false, {}});
        }
    }
    return out;
}

}  // namespace

CachePlan planFromStore(const AnalysisRequest& request, const ResultsStore& store) {
    CachePlan plan;
    plan.request = request;
    plan.modelFingerprint = modelFingerprint(request.model);
    plan.calibration = resolveCalibration(request.data, request.model, plan.modelFingerprint);
    plan.expected = expectedResults(request.options, computeDtypeName(request.compute),
                                    plan.modelFingerprint, plan.calibration.fingerprint);
    for (ExpectedResult& e : plan.expected) {
        e.stored = store.find(e.query);
        if (!e.stored && std::find(plan.missing.begin(), plan.missing.end(), e.metric) ==
                             plan.missing.end()) {
            plan.missing.push_back(e.metric);
        }
    }
    return plan;
}

AnalysisReport CachePlan::answer() const {
    if (!missing.empty()) throw Error("analysis: results missing from the store");
    AnalysisReport report;
    report.calibration = calibration;
    report.modelFingerprint = modelFingerprint;
    for (const ExpectedResult& e : expected) appendStoredResult(report, e);
    return report;
}

void appendStoredResult(AnalysisReport& report, const ExpectedResult& e) {
    if (!e.stored) throw Error("analysis: result " + e.query.key() + " is not stored");
    if (e.similarity) {
        report.output.similarities.push_back(similarityFromRecord(*e.stored));
        report.similarityFromCache.push_back(true);
    } else {
        report.output.importances.push_back(importanceFromRecord(*e.stored));
        report.importanceFromCache.push_back(true);
    }
}

}  // namespace lamina
