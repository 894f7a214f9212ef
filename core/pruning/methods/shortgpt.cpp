// ShortGPT (arXiv 2403.03853): one-shot removal of the blocks with the lowest Block
// Influence, 1 − cos(input, output).
#include "pruning/method.h"
#include "pruning/methods/one_shot.h"
#include "pruning/prune_options.h"

namespace lamina::methods {

namespace {

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    const StagedProgress stages(progress, {1.0, 1.0});
    const ImportanceScores bi = context.analysisMetric(Metric::Bi, stages.stage(0));
    const std::vector<Unit> blocks = candidateUnits(o.unitsOrDefault(), context.config());
    Trajectory t = inScoreOrder(context, blocks, scoresOf(bi, blocks), o.maxSteps, stages.stage(1));
    t.scoreName = "bi";
    return t;
}

}  // namespace

extern const MethodTraits shortgpt = [] {
    MethodTraits m;
    m.name = "shortgpt";
    m.label = "ShortGPT (blocks by Block Influence)";
    m.units = UnitSet::Block;
    m.inDefaultRun = true;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
