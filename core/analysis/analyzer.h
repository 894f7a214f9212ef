#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analysis_options.h"
#include "analysis/analysis_types.h"
#include "common/progress.h"

namespace lamina {

struct Model;
struct CalibrationSet;

/// Computes the requested metrics on `calibration`. Similarity metrics and BI / angular share
/// one forward sweep with taps; ppl_drop and js_drop share one sweep of unit removals with
/// prefix reuse; taylor runs forward + backward; magnitude reads weights only. Throws `Error`
/// for unknown metrics, `Cancelled` when `progress` returns false.
AnalysisOutput runAnalysis(const Model& model, const CalibrationSet& calibration,
                           const AnalysisOptions& options, const ProgressFn& progress = {});

}  // namespace lamina
