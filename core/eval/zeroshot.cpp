#include "eval/zeroshot.h"

#include <chrono>

#include "common/clock.h"
#include "common/error.h"
#include "model/model.h"

namespace lamina {

ZeroShotRun evaluateZeroShot(const Model& model, const Tokenizer& tokenizer,
                             const ZeroShotTask& task, const RequestEncoding& encoding,
                             const Ablation& ablation, const ScoringOptions& scoring,
                             const ProgressFn& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<LoglikelihoodRequest> requests;
    for (std::size_t i = 0; i < task.items.size(); ++i) {
        const ZeroShotItem& item = task.items[i];
        for (std::size_t j = 0; j < item.contexts.size(); ++j) {
            try {
                requests.push_back(
                    encodeRequest(tokenizer, item.contexts[j], item.continuations[j], encoding));
            } catch (const Error& e) {
                throw Error(task.file.string() + ": item " + std::to_string(i) + ": " + e.what());
            }
        }
    }
    ZeroShotRun run;
    const std::vector<RequestScore> flat = scoreRequests(model, requests, ablation, scoring, progress);
    std::size_t next = 0;
    for (const ZeroShotItem& item : task.items) {
        run.scores.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(next),
                                flat.begin() + static_cast<std::ptrdiff_t>(next + item.contexts.size()));
        next += item.contexts.size();
    }
    for (const LoglikelihoodRequest& r : requests) {
        run.tokens += static_cast<int64_t>(r.context.size() + r.continuation.size());
    }
    run.requests = static_cast<int64_t>(requests.size());
    run.metrics = aggregateTask(task, run.scores);
    run.seconds = secondsSince(t0);
    return run;
}

}  // namespace lamina
