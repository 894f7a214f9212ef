#include "eval/run_evaluation.h"

#include <chrono>

#include "common/clock.h"
#include "common/error.h"
#include "common/fnv_hash.h"
#include "common/shared_work.h"
#include "data/calibration.h"
#include "data/zeroshot_tasks.h"
#include "eval/perplexity.h"
#include "eval/zeroshot.h"
#include "model/model.h"
#include "store/results_store.h"

namespace lamina {

namespace {

// A result for `query` already in the store, or nullopt.
std::optional<TaskOutcome> fromStore(const ResultsStore* store, const ResultMeta& query,
                                     const EvalTask& task) {
    if (store == nullptr) return std::nullopt;
    const auto found = store->find(query);
    if (!found) return std::nullopt;
    return outcomeFromRecord(*found, task);
}

// fromStore, agreed by all ranks of `group`: every rank computes its share, or none does, as
// the results file (rank 0's) decides. A rank other than 0 then gets a placeholder it never
// reports.
std::optional<TaskOutcome> agreedFromStore(const ResultsStore* store, const ResultMeta& query,
                                           const EvalTask& task, const Collective* group) {
    const auto cached = fromStore(store, query, task);
    if (!rankZeroSays(group, cached.has_value())) return std::nullopt;
    if (cached) return cached;
    TaskOutcome skipped;
    skipped.task = task;
    skipped.cached = true;
    return skipped;
}

TaskOutcome runPerplexity(const EvalSubject& s, const EvalTask& task, const EvalRequest& request,
                          ResultsStore* store, const ProgressFn& progress) {
    const EvalProtocol& p = request.protocol;
    const CalibrationSet text = textCalibration(perplexityTextPath(task.name, request.dataDir),
                                                *s.tokenizer, p.seqLen, p.maxWindows, p.bos);
    const nlohmann::json params = {{"seq", p.seqLen},
                                   {"bos", bosPolicyName(p.bos)},
                                   {"windows", p.maxWindows},
                                   {"plan", s.planOperations}};
    const ResultMeta query = evaluationQuery(task, params, s.modelFingerprint, text.fingerprint);
    if (auto cached = agreedFromStore(store, query, task, request.scoring.group)) return *cached;
    const auto t0 = std::chrono::steady_clock::now();
    const PerplexityResult r = evaluatePerplexityShared(request.scoring.group, *s.model, text.windows, 8, progress);
    TaskOutcome out;
    out.task = task;
    // Standard errors over windows (treated as independent samples); for perplexity by the
    // delta method: se(exp(m)) ≈ exp(m) · se(m).
    const double nllError = meanStandardError(r.windowNll);
    out.metrics["ppl"] = {r.perplexity, r.perplexity * nllError};
    out.metrics["nll"] = {r.meanNll, nllError};
    out.items = r.windows;
    out.totalItems = text.windows.sourceTokens / p.seqLen;
    out.tokens = r.tokens;
    out.seconds = secondsSince(t0);
    if (store != nullptr) store->put(evaluationRecord(query, out, p.name, {}));
    return out;
}

TaskOutcome runZeroShot(const EvalSubject& s, const EvalTask& task, const EvalRequest& request,
                        ResultsStore* store, const ProgressFn& progress) {
    const TaskSpec* spec = findZeroShotTask(task.name);
    if (spec == nullptr) throw Error("unknown zero-shot task '" + task.name + "'");
    const ZeroShotTask data =
        readZeroShotTask(*spec, zeroShotTaskPath(*spec, request.dataDir), request.limit);
    const Model& model = *s.model;
    const int64_t maxLength = request.scoring.maxLength > 0 ? request.scoring.maxLength
                              : model.config.maxPositions > 0 ? model.config.maxPositions
                                                              : 2048;
    const nlohmann::json params = {{"limit", request.limit},
                                   {"bos", request.protocol.zeroShotBos},
                                   {"max_length", maxLength},
                                   {"plan", s.planOperations}};
    const std::string dataset =
        Fnv1a().field(data.contentHash).field(s.tokenizer->fingerprint()).hex();
    const ResultMeta query = evaluationQuery(task, params, s.modelFingerprint, dataset);
    if (auto cached = agreedFromStore(store, query, task, request.scoring.group)) return *cached;

    RequestEncoding encoding;
    encoding.prependBos = request.protocol.zeroShotBos;
    encoding.bos = s.tokenizer->bosId().value_or(model.config.bosTokenId.value_or(1));
    ScoringOptions scoring = request.scoring;
    scoring.maxLength = maxLength;
    const ZeroShotRun run =
        evaluateZeroShot(model, *s.tokenizer, data, encoding, {}, scoring, progress);
    TaskOutcome out;
    out.task = task;
    out.metrics = run.metrics.metrics;
    out.items = run.metrics.items;
    out.totalItems = data.totalItems;
    out.tokens = run.tokens;
    out.seconds = run.seconds;
    if (out.metrics.count(task.metric) == 0) {
        throw Error("task " + task.name + ": no metric " + task.metric);
    }
    if (store != nullptr) store->put(evaluationRecord(query, out, request.protocol.name, run.scores));
    return out;
}

}  // namespace

std::vector<TaskOutcome> runEvaluation(const EvalSubject& subject, const EvalRequest& request,
                                       ResultsStore* store, const ProgressFn& progress,
                                       const std::function<void(const EvalTask&)>& onTask) {
    if (subject.model == nullptr || subject.tokenizer == nullptr) {
        throw Error("evaluation: no model or tokenizer");
    }
    const std::vector<EvalTask>& tasks = request.protocol.tasks;
    if (tasks.empty()) throw Error("evaluation: no tasks");
    const StagedProgress staged(progress, std::vector<double>(tasks.size(), 1.0));
    std::vector<TaskOutcome> outcomes;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (onTask) onTask(tasks[i]);
        const ProgressFn stage = staged.stage(i);
        outcomes.push_back(tasks[i].perplexity
                               ? runPerplexity(subject, tasks[i], request, store, stage)
                               : runZeroShot(subject, tasks[i], request, store, stage));
        reportProgress(stage, 1, 1);
    }
    return outcomes;
}

}  // namespace lamina
