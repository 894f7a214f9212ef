#include "pruning/prune_options.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "pruning/scoring_context.h"

namespace lamina {

void checkPruneOptions(const PruneOptions& o) {
    const MethodTraits& m = *o.method;
    if (o.units && !m.unitChoice && *o.units != m.units) {
        throw Error("method " + std::string(m.name) + " prunes " + unitSetName(m.units) + "s only");
    }
    if (o.protectFirst < 0) throw Error("protect-first must be ≥ 0");
    if (o.normPower != 1 && o.normPower != 2) throw Error("norm power must be 1 or 2");
    if (m.check) m.check(o);
}

std::string pruneParameters(const PruneOptions& o, const std::string& dtype) {
    nlohmann::json j = {{"method", o.method.name()}, {"dtype", dtype}};
    if (o.method->describe) o.method->describe(o, j);
    return j.dump();
}

std::size_t stepsForRatio(const Trajectory& t, double ratio, int64_t numLayers) {
    const double target = ratio * 2.0 * static_cast<double>(numLayers);
    for (std::size_t k = 0; k < t.steps.size(); ++k) {
        if (static_cast<double>(t.steps[k].removedSublayers) + 1e-9 >= target) return k + 1;
    }
    return t.steps.size();
}

Trajectory runPruning(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    checkPruneOptions(o);
    Trajectory t = o.method->run(context, o, progress);
    t.method = o.method.name();
    accumulateRemovals(t, context.config());
    return t;
}

}  // namespace lamina
