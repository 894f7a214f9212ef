#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/eval_protocol.h"
#include "eval/zeroshot_metrics.h"
#include "store/results_store.h"

namespace lamina {

/// The outcome of one task of an evaluation, computed or read from the results store.
struct TaskOutcome {
    EvalTask task;
    std::map<std::string, MetricValue> metrics;  ///< every metric the task has
    int64_t items = 0;       ///< items scored (perplexity: windows)
    int64_t totalItems = 0;  ///< items in the file (perplexity: windows the text gives)
    int64_t tokens = 0;      ///< zero-shot: tokens read; perplexity: tokens predicted
    double seconds = 0;      ///< compute time when it was computed
    bool cached = false;     ///< answered from the results store

    /// The value of the task's chosen metric.
    const MetricValue& headline() const;
};

/// Mean of the chosen metric over the zero-shot tasks (perplexities excluded); nullopt when
/// there is none.
std::optional<double> zeroShotAverage(const std::vector<TaskOutcome>& tasks);

// Records of kind "evaluation" (docs/results-format.md): method = task name; the key holds
// everything that changes the numbers (limit, BOS, T, windows, truncation length, the plan's
// operations); the protocol and metric are provenance attributes. Datasets: "metrics" with
// strings "metric_names" and "standard_errors"; zero-shot results also keep every request's
// "loglikelihood", "greedy" and the "request_offsets" of the items.

ResultMeta evaluationQuery(const EvalTask& task, const nlohmann::json& parameters,
                           const std::string& modelFingerprint,
                           const std::string& datasetFingerprint);

/// `scores` (per item, per request) may be empty for perplexity results.
StoredResult evaluationRecord(const ResultMeta& meta, const TaskOutcome& outcome,
                              const std::string& protocol,
                              const std::vector<std::vector<RequestScore>>& scores);

/// Throws `Error` naming the result key when the record is malformed.
TaskOutcome outcomeFromRecord(const StoredResult& record, const EvalTask& task);

/// A stored evaluation read back with nothing but the record: its task (from the method and
/// the metric attribute) and whether it scored a pruned model (a plan in its key).
struct StoredEvaluation {
    TaskOutcome outcome;
    bool pruned = false;
};
/// Throws `Error` naming the result key when the record is malformed.
StoredEvaluation evaluationFromRecord(const StoredResult& record);

}  // namespace lamina
