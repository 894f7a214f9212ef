// Shortened LLaMA, Taylor+ criterion (arXiv 2402.02834): one-shot removal of the blocks with
// the smallest Σ|W ⊙ ∂ℒ/∂W|^p.
#include "pruning/method.h"
#include "pruning/methods/one_shot.h"
#include "pruning/prune_options.h"

namespace lamina::methods {

namespace {

void describe(const PruneOptions& o, nlohmann::json& j) {
    j["protected"] = protectedParameter(o);
    j["norm_power"] = o.normPower;
}

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    const StagedProgress stages(progress, {1.0, 1.0});
    const std::vector<Unit> blocks = unprotectedBlocks(o, context.numLayers());
    const std::vector<double> scores = context.taylorScores(blocks, o.normPower, stages.stage(0));
    Trajectory t = inScoreOrder(context, blocks, scores, o.maxSteps, stages.stage(1));
    t.scoreName = "taylor";
    return t;
}

}  // namespace

extern const MethodTraits shortenedTaylor = [] {
    MethodTraits m;
    m.name = "shortened-taylor";
    m.label = "Shortened LLaMA (blocks by Taylor+)";
    m.units = UnitSet::Block;
    m.inDefaultRun = true;
    m.describe = describe;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
