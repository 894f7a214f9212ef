#include "pruning/trajectory.h"

#include <algorithm>

#include "common/error.h"
#include "common/name_table.h"
#include "model/model_summary.h"

namespace lamina {

namespace {
constexpr NamedValue<StepKind> kStepKinds[] = {{StepKind::Attn, "attn"},
                                               {StepKind::Mlp, "mlp"},
                                               {StepKind::Block, "block"},
                                               {StepKind::Merge, "merge"},
                                               {StepKind::Span, "span"},
                                               {StepKind::Set, "set"}};
}  // namespace

const char* stepKindName(StepKind kind) { return nameIn(kStepKinds, kind); }

StepKind parseStepKind(const std::string& name) { return valueIn(kStepKinds, name, "trajectory step kind"); }

StepKind stepKindOf(Unit::Kind kind) {
    return kind == Unit::Kind::Attn ? StepKind::Attn : kind == Unit::Kind::Mlp ? StepKind::Mlp : StepKind::Block;
}

Unit TrajectoryStep::unit() const {
    switch (kind) {
        case StepKind::Attn: return {Unit::Kind::Attn, layer};
        case StepKind::Mlp: return {Unit::Kind::Mlp, layer};
        case StepKind::Block: return {Unit::Kind::Block, layer};
        default: break;
    }
    throw Error(std::string("a trajectory step of kind '") + stepKindName(kind) + "' is not one unit");
}

PlanOperation TrajectoryStep::operation(MergeFormula formula) const {
    switch (kind) {
        case StepKind::Merge: return PlanOperation::merge(layer, lastLayer, formula);
        case StepKind::Attn: return PlanOperation::drop({Unit::Kind::Attn, layer});
        case StepKind::Mlp: return PlanOperation::drop({Unit::Kind::Mlp, layer});
        case StepKind::Block: return PlanOperation::drop({Unit::Kind::Block, layer});
        case StepKind::Span:
        case StepKind::Set: break;
    }
    throw Error(std::string("a trajectory step of kind '") + stepKindName(kind) + "' is not a single operation");
}

std::vector<PlanOperation> Trajectory::operations(std::size_t count, MergeFormula formula) const {
    count = std::min(count, steps.size());
    std::vector<PlanOperation> ops;
    if (count == 0) return ops;
    if (!cumulative) {  // a span of blocks or a set of units
        const TrajectoryStep& s = steps[count - 1];
        if (s.kind == StepKind::Set) {
            for (const Unit& u : s.units) ops.push_back(PlanOperation::drop(u));
            return ops;
        }
        for (int64_t l = s.layer; l <= s.lastLayer; ++l) ops.push_back(PlanOperation::drop({Unit::Kind::Block, l}));
        return ops;
    }
    for (std::size_t i = 0; i < count; ++i) ops.push_back(steps[i].operation(formula));
    return ops;
}

TrajectoryStep setStep(std::vector<Unit> units) {
    auto depth = [](const Unit& u) { return 2 * u.layer + (u.kind == Unit::Kind::Mlp ? 1 : 0); };
    std::sort(units.begin(), units.end(), [&](const Unit& a, const Unit& b) { return depth(a) < depth(b); });
    TrajectoryStep s;
    s.kind = StepKind::Set;
    s.layer = units.empty() ? 0 : units.front().layer;
    s.lastLayer = units.empty() ? 0 : units.back().layer;
    s.units = std::move(units);
    return s;
}

void accumulateRemovals(Trajectory& t, const ModelConfig& config) {
    const LayerSummary params = layerParams(config, 0);
    int64_t sublayers = 0, removed = 0;
    for (TrajectoryStep& s : t.steps) {
        int64_t stepSub = 0, stepParams = 0;
        if (s.kind == StepKind::Set) {
            for (const Unit& u : s.units) {
                const bool attn = u.kind != Unit::Kind::Mlp, mlp = u.kind != Unit::Kind::Attn;
                stepSub += (attn ? 1 : 0) + (mlp ? 1 : 0);
                stepParams += (attn ? params.attnParams : 0) + (mlp ? params.mlpParams : 0);
            }
        } else if (s.kind == StepKind::Attn) {
            stepSub = 1;
            stepParams = params.attnParams;
        } else if (s.kind == StepKind::Mlp) {
            stepSub = 1;
            stepParams = params.mlpParams;
        } else {  // block, merge (k blocks → 1), span
            const int64_t blocks = s.kind == StepKind::Merge ? s.lastLayer - s.layer : s.lastLayer - s.layer + 1;
            stepSub = 2 * blocks;
            stepParams = blocks * (params.attnParams + params.mlpParams);
        }
        if (t.cumulative) {
            sublayers += stepSub;
            removed += stepParams;
        } else {
            sublayers = stepSub;
            removed = stepParams;
        }
        s.removedSublayers = sublayers;
        s.removedParams = removed;
    }
}

}  // namespace lamina
