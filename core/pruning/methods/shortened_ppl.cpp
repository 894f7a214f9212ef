// Shortened LLaMA, PPL criterion (arXiv 2402.02834): one-shot removal of the blocks whose
// removal alone raises the calibration perplexity least.
#include "pruning/method.h"
#include "pruning/methods/one_shot.h"
#include "pruning/prune_options.h"

namespace lamina::methods {

namespace {

void describe(const PruneOptions& o, nlohmann::json& j) { j["protected"] = protectedParameter(o); }

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    const StagedProgress stages(progress, {1.0, 1.0});
    const std::vector<Unit> blocks = unprotectedBlocks(o, context.numLayers());
    const std::vector<double> scores = context.removalPerplexities(blocks, stages.stage(0));
    Trajectory t = inScoreOrder(context, blocks, scores, o.maxSteps, stages.stage(1));
    t.scoreName = "ppl";
    return t;
}

}  // namespace

extern const MethodTraits shortenedPpl = [] {
    MethodTraits m;
    m.name = "shortened-ppl";
    m.label = "Shortened LLaMA (blocks by PPL)";
    m.units = UnitSet::Block;
    m.inDefaultRun = true;
    m.describe = describe;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
