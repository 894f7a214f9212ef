// Gromov et al. (arXiv 2403.17887): for each span length n, the start ℓ minimising the
// last-token angular distance between h_ℓ and h_ℓ+n. Each step is its own configuration.
#include <algorithm>

#include "pruning/method.h"
#include "pruning/methods/one_shot.h"
#include "pruning/prune_options.h"

namespace lamina::methods {

namespace {

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    const StagedProgress stages(progress, {1.0, 1.0});
    const ImportanceScores a = context.analysisMetric(Metric::Angular, stages.stage(0));
    const int64_t L = context.numLayers();
    const int64_t spans = o.maxSteps > 0 ? std::min(o.maxSteps, L - 1) : L - 1;
    auto distance = [&](int64_t n, int64_t l) { return a.values[static_cast<std::size_t>((n - 1) * L + l)]; };
    Trajectory t;
    t.cumulative = false;
    std::vector<Ablation> configurations(1);  // [0]: the unpruned model; [n]: span n's
    for (int64_t n = 1; n <= spans; ++n) {
        int64_t best = 0;
        for (int64_t l = 1; l + n <= L; ++l) {
            if (distance(n, l) < distance(n, best)) best = l;
        }
        Ablation span;
        for (int64_t l = best; l < best + n; ++l) span.removeBlock(l);
        TrajectoryStep s;
        s.kind = StepKind::Span;
        s.layer = best;
        s.lastLayer = best + n - 1;
        s.score = distance(n, best);
        t.steps.push_back(s);
        configurations.push_back(span);
    }
    const std::vector<double> ppl = context.perplexities(configurations, stages.stage(1));
    t.basePerplexity = ppl[0];
    for (std::size_t k = 0; k < t.steps.size(); ++k) t.steps[k].perplexity = ppl[k + 1];
    t.scoreName = "angular";
    return t;
}

}  // namespace

extern const MethodTraits angular = [] {
    MethodTraits m;
    m.name = "angular";
    m.label = "Angular distance (Gromov et al., block spans)";
    m.units = UnitSet::Block;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
