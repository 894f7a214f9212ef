// FinerCut (arXiv 2405.18218): greedy removal of the attention or FFN sublayer whose removal
// changes the model's output least, measured against the unpruned model.
#include "pruning/method.h"
#include "pruning/prune_options.h"
#include "pruning/scoring_context.h"

namespace lamina::methods {

namespace {

void describe(const PruneOptions& o, nlohmann::json& j) {
    j["units"] = unitSetName(o.unitsOrDefault());
    j["divergence"] = divergenceName(o.divergence);
    j["protect_first"] = o.protectFirst;
}

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    GreedySearch search;
    search.candidates = candidateUnits(o.unitsOrDefault(), context.config(), o.protectFirst);
    search.criterion = GreedyCriterion::Divergence;
    search.divergence = o.divergence;
    search.maxSteps = o.maxSteps;
    Trajectory t = context.greedy(search, progress);
    t.scoreName = divergenceName(o.divergence);
    return t;
}

}  // namespace

extern const MethodTraits finercut = [] {
    MethodTraits m;
    m.name = "finercut";
    m.label = "FinerCut (greedy sublayers by output divergence)";
    m.units = UnitSet::Sublayer;
    m.unitChoice = true;
    m.greedy = true;
    m.inDefaultRun = true;
    m.describe = describe;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
