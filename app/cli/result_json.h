#pragma once

#include <nlohmann/json.hpp>

#include "analysis/analysis_types.h"
#include "store/results_store.h"

namespace lamina::cli {

/// JSON of a similarity matrix: {"kind", "method", "representation", "labels", "matrix": [[…]],
/// "tokens", "parameters"}.
nlohmann::json similarityJson(const SimilarityMatrix& m);

/// JSON of importance scores: {"kind", "method", "units", "shape", "values", "extras",
/// "parameters"}; NaN values become null.
nlohmann::json importanceJson(const ImportanceScores& s);

/// Provenance of a stored result.
nlohmann::json metaJson(const ResultMeta& meta);

}  // namespace lamina::cli
