// SLEB (arXiv 2402.09025): greedy removal of the block whose removal raises the calibration
// NLL least.
#include "pruning/method.h"
#include "pruning/prune_options.h"
#include "pruning/scoring_context.h"

namespace lamina::methods {

namespace {

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    GreedySearch search;
    search.candidates = candidateUnits(o.unitsOrDefault(), context.config());
    search.criterion = GreedyCriterion::Nll;
    search.maxSteps = o.maxSteps;
    Trajectory t = context.greedy(search, progress);
    t.scoreName = "nll";
    return t;
}

}  // namespace

extern const MethodTraits sleb = [] {
    MethodTraits m;
    m.name = "sleb";
    m.label = "SLEB (greedy blocks by NLL)";
    m.units = UnitSet::Block;
    m.greedy = true;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
