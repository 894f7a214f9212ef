#pragma once

#include <vector>

#include "common/progress.h"
#include "data/zeroshot_tasks.h"
#include "eval/loglikelihood.h"
#include "eval/loglikelihood_request.h"
#include "eval/zeroshot_metrics.h"

namespace lamina {

struct Model;

struct ZeroShotRun {
    TaskMetrics metrics;
    std::vector<std::vector<RequestScore>> scores;  ///< per item, per request
    int64_t requests = 0;
    int64_t tokens = 0;    ///< context + continuation tokens read by the model
    double seconds = 0;    ///< tokenizing and scoring
};

/// Tokenizes every item of `task` (lm-eval's pair encoding) and scores it on `model` with
/// `ablation` applied. With `scoring.group`, rank r scores items i ≡ r (mod size) and every
/// rank gathers all scores. Progress counts requests; returning false throws `Cancelled`.
ZeroShotRun evaluateZeroShot(const Model& model, const Tokenizer& tokenizer,
                             const ZeroShotTask& task, const RequestEncoding& encoding,
                             const Ablation& ablation = {}, const ScoringOptions& scoring = {},
                             const ProgressFn& progress = {});

}  // namespace lamina
