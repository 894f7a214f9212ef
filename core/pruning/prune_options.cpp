#include "pruning/prune_options.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "pruning/plan.h"

namespace lamina {

bool isGreedyMethod(const std::string& method) {
    return method == "finercut" || method == "sleb" || method == "blockpruner";
}

std::string defaultUnits(const std::string& method) {
    if (method == "finercut" || method == "blockpruner") return "sublayer";
    if (method == "llm-drop") return "attn";
    return "block";
}

const std::vector<std::string>& pruningMethodNames() {
    static const std::vector<std::string> names = {"finercut", "shortened-ppl", "shortened-taylor",
                                                   "slm",      "shortgpt",      "angular",
                                                   "sleb",     "blockpruner",   "llm-drop"};
    return names;
}

void checkPruneOptions(const PruneOptions& o) {
    const auto& names = pruningMethodNames();
    if (std::find(names.begin(), names.end(), o.method) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw Error("unknown pruning method '" + o.method + "' (known: " + list + ")");
    }
    const std::string units = o.units.empty() ? defaultUnits(o.method) : o.units;
    if (units != "sublayer" && units != "attn" && units != "mlp" && units != "block") {
        throw Error("units '" + units + "': expected sublayer, attn, mlp or block");
    }
    const bool unitChoice = o.method == "finercut" || o.method == "llm-drop";
    if (!o.units.empty() && !unitChoice && units != defaultUnits(o.method)) {
        throw Error("method " + o.method + " prunes " + defaultUnits(o.method) + "s only");
    }
    if (o.protectFirst < 0) throw Error("protect-first must be ≥ 0");
    if (o.normPower != 1 && o.normPower != 2) throw Error("norm power must be 1 or 2");
    if (o.method == "slm") checkMergeFormula(o.slm.formula);
}

std::string pruneParameters(const PruneOptions& o, const std::string& dtype) {
    nlohmann::json j = {{"method", o.method}, {"dtype", dtype}};
    const std::string units = o.units.empty() ? defaultUnits(o.method) : o.units;
    if (o.method == "finercut") {
        j["units"] = units;
        j["divergence"] = divergenceName(o.divergence);
        j["protect_first"] = o.protectFirst;
    } else if (o.method == "llm-drop") {
        j["units"] = units;
    } else if (o.method == "shortened-ppl" || o.method == "shortened-taylor") {
        j["protected"] = o.protectedBlocksSet ? nlohmann::json(o.protectedBlocks) : nlohmann::json("default");
        if (o.method == "shortened-taylor") j["norm_power"] = o.normPower;
    } else if (o.method == "slm") {
        j["threshold"] = o.slm.threshold;
        j["formula"] = o.slm.formula;
        j["lowest"] = o.slm.lowest;
        j["highest"] = o.slm.highest;
    }
    return j.dump();
}

std::size_t stepsForRatio(const Trajectory& t, double ratio, int64_t numLayers) {
    const double target = ratio * 2.0 * static_cast<double>(numLayers);
    for (std::size_t k = 0; k < t.steps.size(); ++k) {
        if (static_cast<double>(t.steps[k].removedSublayers) + 1e-9 >= target) return k + 1;
    }
    return t.steps.size();
}

}  // namespace lamina
