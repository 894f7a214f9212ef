// Sliding Layer Merging (arXiv 2502.19159): top-down merges of consecutive blocks whose
// outputs are more similar than the threshold.
#include "pruning/method.h"
#include "pruning/plan.h"
#include "pruning/prune_options.h"
#include "pruning/scoring_context.h"

namespace lamina::methods {

namespace {

void describe(const PruneOptions& o, nlohmann::json& j) {
    j["threshold"] = o.slm.threshold;
    j["formula"] = mergeFormulaName(o.slm.formula);
    j["lowest"] = o.slm.lowest;
    j["highest"] = o.slm.highest;
}

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    return context.slidingMerge(o.slm, progress);
}

}  // namespace

extern const MethodTraits slm = [] {
    MethodTraits m;
    m.name = "slm";
    m.label = "Sliding Layer Merging";
    m.units = UnitSet::Block;
    m.steeredByThreshold = true;
    m.inRunMenu = false;
    m.describe = describe;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
