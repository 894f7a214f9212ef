#include "pruning/greedy.h"

#include "common/error.h"
#include "pruning/shared_scoring.h"

namespace lamina {

Trajectory greedyRemoval(const Model& model, const TokenWindows& windows,
                         const GreedyOptions& options, const ProgressFn& progress) {
    std::vector<Unit> remaining = options.candidates;
    if (remaining.empty()) throw Error("greedy pruning: no candidate units");
    const int64_t steps = options.maxSteps > 0
                              ? std::min<int64_t>(options.maxSteps, static_cast<int64_t>(remaining.size()))
                              : static_cast<int64_t>(remaining.size());
    // Step k scores |remaining| − k candidates: weight the progress stages accordingly.
    std::vector<double> weights;
    for (int64_t k = 0; k < steps; ++k) weights.push_back(static_cast<double>(remaining.size() - k));
    const StagedProgress stages(progress, weights);

    Trajectory t;
    t.cumulative = true;
    RemovalOptions removal;
    removal.divergence = options.divergence;
    removal.againstOriginal = options.criterion == GreedyCriterion::Divergence;
    if (removal.againstOriginal) removal.originals = makeOriginalReferences();  // same every step
    removal.prefixReuse = options.prefixReuse;
    if (options.prefixReuse) removal.streams = makeCandidateStreams();
    removal.batchWindows = options.batchWindows;
    removal.boundBy = options.criterion == GreedyCriterion::Divergence ? BoundMetric::Divergence : BoundMetric::Nll;
    checkSameWindows(options.group, windows);
    // Of the remaining candidates, from the previous step. The first step's is a guess, the
    // deepest first (cheapest to score); any order gives the same trajectory.
    std::vector<double> estimate;
    for (const Unit& u : remaining) estimate.push_back(-static_cast<double>(2 * u.layer + (u.kind == Unit::Kind::Attn ? 0 : 1)));
    for (int64_t step = 0; step < steps; ++step) {
        const UnitRemovalScores r =
            scoreUnitsShared(options.group, model, windows, remaining, removal,
                             options.boundedSearch ? estimate : std::vector<double>{},
                             stages.stage(static_cast<std::size_t>(step)));
        if (step == 0) t.basePerplexity = r.basePerplexity;
        const std::vector<double>& score = options.criterion == GreedyCriterion::Divergence ? r.divergence
                                           : options.criterion == GreedyCriterion::Nll      ? r.nll
                                                                                            : r.perplexity;
        std::size_t best = 0;
        for (std::size_t k = 1; k < score.size(); ++k) {
            if (score[k] < score[best]) best = k;
        }
        const Unit u = remaining[best];
        TrajectoryStep s;
        s.kind = stepKindOf(u.kind);
        s.layer = s.lastLayer = u.layer;
        s.score = score[best];
        s.perplexity = r.perplexity[best];
        t.steps.push_back(s);
        removal.base.remove(u);
        remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(best));
        estimate = r.estimate;
        estimate.erase(estimate.begin() + static_cast<std::ptrdiff_t>(best));
        t.abandonedCandidates += r.abandoned;
    }
    accumulateRemovals(t, model.config);
    return t;
}

}  // namespace lamina
