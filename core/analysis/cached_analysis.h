#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "data/calibration.h"
#include "model/model.h"

namespace lamina {

class ResultsStore;

/// An analysis as the user asks for it: model, data, metrics.
struct AnalysisRequest {
    std::filesystem::path model;
    std::filesystem::path calibrationText;  ///< empty: self-generated calibration (data-free)
    std::filesystem::path tokenizer;        ///< overrides the model's own tokenizer
    int64_t seqLen = 128;
    int64_t windows = 8;
    BosPolicy bos = BosPolicy::First;
    uint64_t seed = 0;                      ///< self-generated calibration
    ComputeDtype compute = ComputeDtype::Float32;
    AnalysisOptions options;
};

/// The request's results, with where each came from.
struct AnalysisReport {
    AnalysisOutput output;
    std::vector<bool> similarityFromCache;  ///< parallel to output.similarities
    std::vector<bool> importanceFromCache;  ///< parallel to output.importances
    CalibrationSet calibration;             ///< ids empty when everything came from the store
    std::string modelFingerprint;
    bool computed = false;                  ///< false: answered entirely from the store
    double seconds = 0;
};

/// Answers `request` from `store` where every expected result is stored under its key (model
/// and dataset fingerprints + parameters) — without loading the model — and computes only the
/// missing metrics otherwise, writing them (and a self-generated calibration set's ids, reused
/// next time) to the store. `model` may be passed in when the caller already has it loaded.
AnalysisReport analyzeWithCache(const AnalysisRequest& request, ResultsStore& store,
                                const ProgressFn& progress = {},
                                std::shared_ptr<const Model> model = nullptr);

}  // namespace lamina
