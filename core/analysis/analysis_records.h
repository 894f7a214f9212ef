#pragma once

#include <string>

#include "analysis/analysis_types.h"
#include "data/calibration.h"
#include "store/results_store.h"

namespace lamina {

// Mapping between analysis results and results-store records (docs/results-format.md).
// kind "similarity": doubles "matrix" (R, R), strings "labels", attr representation, tokens.
// kind "importance": doubles "values" (shape), strings "units", attr:<extra> for extras.
// kind "calibration": ints "ids" (N, T) of self-generated calibration sets.

ResultMeta similarityQuery(const std::string& measure, const std::string& parameters,
                           const std::string& modelFingerprint,
                           const std::string& datasetFingerprint);
ResultMeta importanceQuery(const std::string& metric, const std::string& parameters,
                           const std::string& modelFingerprint,
                           const std::string& datasetFingerprint);
ResultMeta calibrationQuery(const CalibrationSet& set, const std::string& modelFingerprint);

StoredResult toRecord(const SimilarityMatrix& m, const std::string& modelFingerprint,
                      const std::string& datasetFingerprint);
StoredResult toRecord(const ImportanceScores& s, const std::string& modelFingerprint,
                      const std::string& datasetFingerprint);
StoredResult toRecord(const CalibrationSet& set, const std::string& modelFingerprint);

/// Inverse mappings; throw `Error` naming the result key when a record is malformed.
SimilarityMatrix similarityFromRecord(const StoredResult& r);
ImportanceScores importanceFromRecord(const StoredResult& r);
std::vector<TokenId> calibrationIdsFromRecord(const StoredResult& r);

}  // namespace lamina
