#pragma once

#include <set>
#include <string>

#include "analysis/cached_analysis.h"
#include "args.h"
#include "store/results_store.h"

namespace lamina::cli {

/// --calib, --tokenizer, --seq, --windows, --bos, --seed (shared by analyze and prune).
CalibrationRequest parseCalibrationRequest(const Args& args);

/// Options of `lamina-cli analyze` that take a value (besides the flag --json).
const std::set<std::string>& analyzeValueOptions();

/// The request described by the command line; throws `Error` on bad options.
AnalysisRequest parseAnalyzeRequest(const Args& args);

/// Prints the report: a summary, or with `json` one object carrying every matrix and vector.
void printAnalysisReport(const AnalysisReport& report, const AnalysisRequest& request,
                         const ResultsStore& store, bool json);

}  // namespace lamina::cli
