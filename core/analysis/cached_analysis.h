#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis_options.h"
#include "analysis/analysis_types.h"
#include "common/progress.h"
#include "data/calibration.h"
#include "data/calibration_request.h"
#include "model/compute_dtype.h"
#include "store/results_store.h"

namespace lamina {

struct Model;

/// An analysis as the user asks for it: model, data, metrics.
struct AnalysisRequest {
    std::filesystem::path model;
    CalibrationRequest data;
    ComputeDtype compute = ComputeDtype::Float32;
    WeightResidence weights = WeightResidence::Mapped;
    AnalysisOptions options;
};

/// The request's results, with where each came from.
struct AnalysisReport {
    AnalysisOutput output;
    std::vector<bool> similarityFromCache;  ///< parallel to output.similarities
    std::vector<bool> importanceFromCache;  ///< parallel to output.importances
    CalibrationSet calibration;             ///< self-generated ids stay empty when not needed
    std::string modelFingerprint;
    bool computed = false;                  ///< false: answered entirely from the store
    double seconds = 0;
};

/// One stored result a request needs, which metric produces it, and what the store holds.
struct ExpectedResult {
    Metric metric;
    ResultMeta query;
    bool similarity = false;
    std::optional<StoredResult> stored;
};

/// What the store already answers for a request. Needs no libtorch: reads the model's
/// headers (fingerprint), the tokenizer and text (text calibration) and the store.
struct CachePlan {
    AnalysisRequest request;
    std::string modelFingerprint;
    CalibrationSet calibration;
    std::vector<ExpectedResult> expected;
    std::vector<Metric> missing;  ///< metrics to compute, in request order

    /// The report when nothing is missing (throws `Error` otherwise).
    AnalysisReport answer() const;
};

CachePlan planFromStore(const AnalysisRequest& request, const ResultsStore& store);

/// Fills a self-generated set's ids: from the store when a previous run saved them, otherwise
/// sampled from `model` and saved. Text sets already have their ids.
void ensureCalibrationIds(CalibrationSet& set, const Model& model, ResultsStore& store,
                          const std::string& modelFingerprint, const ProgressFn& progress = {});

/// Appends the stored result of `expected` to `report`, marked as from the cache.
void appendStoredResult(AnalysisReport& report, const ExpectedResult& expected);

/// Answers `request` from `store` where every expected result is stored under its key (model
/// and dataset fingerprints + parameters) — without loading the model — and computes only the
/// missing metrics otherwise, writing them (and a self-generated calibration set's ids, reused
/// next time) to the store. `model` may be passed in when the caller already has it loaded;
/// its compute dtype then replaces the request's (results are filed under what computed them).
AnalysisReport analyzeWithCache(AnalysisRequest request, ResultsStore& store,
                                const ProgressFn& progress = {},
                                std::shared_ptr<const Model> model = nullptr);

}  // namespace lamina
