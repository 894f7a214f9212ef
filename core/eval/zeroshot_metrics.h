#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/zeroshot_tasks.h"

namespace lamina {

/// The model's answer to one log-likelihood request.
struct RequestScore {
    double logLikelihood = 0;  ///< sum over the continuation's tokens (natural log)
    bool greedy = false;       ///< every continuation token is the argmax at its position
    int64_t tokens = 0;        ///< continuation tokens scored
};

/// A metric with lm-evaluation-harness's standard error (sample standard deviation of the
/// per-item values over √n; for perplexity the delta-method estimate ppl · se(mean LL)).
struct MetricValue {
    double value = 0;
    double standardError = 0;
};

/// A task's metrics: "acc" always, "acc_norm" where lm-eval lists it, "ppl" for LAMBADA.
struct TaskMetrics {
    std::string task;
    int64_t items = 0;
    std::map<std::string, MetricValue> metrics;
};

/// Mean standard error as lm-eval computes it: sqrt(Σ(x − mean)² / (n − 1)) / √n (0 for n < 2).
double meanStandardError(const std::vector<double>& values);

/// Aggregates per-request scores (scores[i][j]: item i, request j) into the task's metrics:
/// acc = argmax of summed log-likelihood equals gold (ties go to the first choice, as numpy's
/// argmax); acc_norm = argmax of log-likelihood / choice length in characters; LAMBADA: acc =
/// greedy match, ppl = exp(−mean per-item log-likelihood). Throws `Error` when the shapes do
/// not match the task.
TaskMetrics aggregateTask(const ZeroShotTask& task,
                          const std::vector<std::vector<RequestScore>>& scores);

}  // namespace lamina
