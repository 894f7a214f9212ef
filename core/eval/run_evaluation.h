#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/progress.h"
#include "eval/eval_protocol.h"
#include "eval/eval_records.h"
#include "eval/loglikelihood.h"
#include "tokenizer/tokenizer.h"

namespace lamina {

struct Model;
class ResultsStore;

/// What is evaluated: a model (pruned in memory or not) and its identity.
struct EvalSubject {
    const Model* model = nullptr;
    const Tokenizer* tokenizer = nullptr;
    std::string modelFingerprint;  ///< of the unpruned checkpoint
    nlohmann::json planOperations; ///< the applied plan's "operations"; null when unpruned
};

struct EvalRequest {
    EvalProtocol protocol;
    std::filesystem::path dataDir;  ///< the data root (zeroshot/, wikitext2/, ...) or zeroshot/
    int64_t limit = 0;              ///< zero-shot items per task (0: all)
    ScoringOptions scoring;
};

/// Runs every task of the protocol on the subject, answering from `store` (when given) what it
/// already holds and storing what it computes. Progress runs over all tasks (equal shares);
/// `onTask` is told which task starts. Returning false from progress throws `Cancelled`.
std::vector<TaskOutcome> runEvaluation(const EvalSubject& subject, const EvalRequest& request,
                                       ResultsStore* store, const ProgressFn& progress = {},
                                       const std::function<void(const EvalTask&)>& onTask = {});

}  // namespace lamina
