#include "eval/zeroshot.h"

#include <chrono>

#include "common/clock.h"
#include "common/error.h"
#include "common/shared_work.h"
#include "model/model.h"

namespace lamina {

namespace {

// scoreRequests over the items of this rank of scoring.group (all items without one),
// gathered into every request's score in item order.
std::vector<RequestScore> scoreShared(const Model& model, const ZeroShotTask& task,
                                      const std::vector<LoglikelihoodRequest>& requests,
                                      const Ablation& ablation, const ScoringOptions& scoring,
                                      const ProgressFn& progress) {
    const Collective* group = scoring.group;
    if (groupSize(group) <= 1) return scoreRequests(model, requests, ablation, scoring, progress);
    std::vector<std::size_t> first, widths;  // per item: its first request, 3 values per request
    for (std::size_t i = 0, next = 0; i < task.items.size(); next += task.items[i].contexts.size(), ++i) {
        first.push_back(next);
        widths.push_back(3 * task.items[i].contexts.size());
    }
    std::vector<LoglikelihoodRequest> mine;
    for (const std::size_t i : ownedJobs(group, task.items.size())) {
        for (std::size_t j = 0; j < task.items[i].contexts.size(); ++j) mine.push_back(requests[first[i] + j]);
    }
    std::vector<double> packed;
    for (const RequestScore& r : scoreRequests(model, mine, ablation, scoring, progress)) {
        packed.insert(packed.end(), {r.logLikelihood, r.greedy ? 1.0 : 0.0, static_cast<double>(r.tokens)});
    }
    const std::vector<double> all = gatherJobs(group, widths, packed);  // request order
    std::vector<RequestScore> flat(requests.size());
    for (std::size_t k = 0; k < flat.size(); ++k) {
        flat[k].logLikelihood = all[3 * k];
        flat[k].greedy = all[3 * k + 1] != 0;
        flat[k].tokens = static_cast<int64_t>(all[3 * k + 2]);
    }
    return flat;
}

}  // namespace

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
    const std::vector<RequestScore> flat = scoreShared(model, task, requests, ablation, scoring, progress);
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
