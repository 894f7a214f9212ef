#include "pruning/methods/one_shot.h"

#include <algorithm>
#include <numeric>

namespace lamina::methods {

Trajectory inScoreOrder(ScoringContext& context, const std::vector<Unit>& units,
                        const std::vector<double>& scores, int64_t maxSteps, const ProgressFn& progress) {
    std::vector<std::size_t> order(units.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    const std::size_t steps = maxSteps > 0 ? std::min<std::size_t>(maxSteps, order.size()) : order.size();
    std::vector<Ablation> removed(steps + 1);  // [0]: the unpruned model; [k+1]: after step k
    for (std::size_t k = 0; k < steps; ++k) {
        removed[k + 1] = removed[k];
        removed[k + 1].remove(units[order[k]]);
    }
    const std::vector<double> ppl = context.perplexities(removed, progress);
    Trajectory t;
    t.basePerplexity = ppl[0];
    for (std::size_t k = 0; k < steps; ++k) {
        const Unit& u = units[order[k]];
        TrajectoryStep s;
        s.kind = stepKindOf(u.kind);
        s.layer = s.lastLayer = u.layer;
        s.score = scores[order[k]];
        s.perplexity = ppl[k + 1];
        t.steps.push_back(s);
    }
    return t;
}

std::vector<double> scoresOf(const ImportanceScores& s, const std::vector<Unit>& units) {
    std::vector<double> out;
    for (const Unit& u : units) out.push_back(s.value(u.label()));
    return out;
}

}  // namespace lamina::methods

#include "pruning/prune_options.h"

namespace lamina::methods {

std::vector<Unit> unprotectedBlocks(const PruneOptions& o, int64_t L) {
    std::vector<int64_t> keep = o.protectedBlocks;
    if (!o.protectedBlocksSet) {
        keep = {0, 1, 2, 3, L - 2, L - 1};
        keep.erase(std::remove_if(keep.begin(), keep.end(), [L](int64_t b) { return b < 0 || b >= L; }), keep.end());
    }
    std::vector<Unit> blocks;
    for (const Unit& u : blockUnits(L)) {
        if (std::find(keep.begin(), keep.end(), u.layer) == keep.end()) blocks.push_back(u);
    }
    return blocks;
}

nlohmann::json protectedParameter(const PruneOptions& o) {
    return o.protectedBlocksSet ? nlohmann::json(o.protectedBlocks) : nlohmann::json("default");
}

}  // namespace lamina::methods
