// BlockPruner (arXiv 2406.10594): greedy removal of the attention or FFN sublayer whose
// removal raises the calibration perplexity least.
#include "pruning/method.h"
#include "pruning/prune_options.h"
#include "pruning/scoring_context.h"

namespace lamina::methods {

namespace {

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    GreedySearch search;
    search.candidates = candidateUnits(o.unitsOrDefault(), context.config());
    search.criterion = GreedyCriterion::Perplexity;
    search.maxSteps = o.maxSteps;
    Trajectory t = context.greedy(search, progress);
    t.scoreName = "ppl";
    return t;
}

}  // namespace

extern const MethodTraits blockpruner = [] {
    MethodTraits m;
    m.name = "blockpruner";
    m.label = "BlockPruner (greedy sublayers by PPL)";
    m.units = UnitSet::Sublayer;
    m.greedy = true;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
