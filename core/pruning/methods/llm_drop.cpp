// LLM-Drop ("What matters in transformers?", arXiv 2406.15786): one-shot removal of the
// attention (or FFN) sublayers with the lowest 1 − cos(X, X + f(X)).
#include "pruning/method.h"
#include "pruning/methods/one_shot.h"
#include "pruning/prune_options.h"

namespace lamina::methods {

namespace {

void describe(const PruneOptions& o, nlohmann::json& j) { j["units"] = unitSetName(o.unitsOrDefault()); }

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    const StagedProgress stages(progress, {1.0, 1.0});
    const ImportanceScores bi = context.analysisMetric(Metric::Bi, stages.stage(0));
    const std::vector<Unit> units = candidateUnits(o.unitsOrDefault(), context.config());
    Trajectory t = inScoreOrder(context, units, scoresOf(bi, units), o.maxSteps, stages.stage(1));
    t.scoreName = "bi";
    return t;
}

}  // namespace

extern const MethodTraits llmDrop = [] {
    MethodTraits m;
    m.name = "llm-drop";
    m.label = "LLM-Drop (sublayers by 1 − cos)";
    m.units = UnitSet::Attn;
    m.unitChoice = true;
    m.describe = describe;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
