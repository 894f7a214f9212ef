#include "analysis/analysis_options.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace lamina {

const std::vector<std::string>& analysisMetricNames() {
    static const std::vector<std::string> names = {"cka_linear", "cka_unbiased", "cka_rbf",
                                                   "cosine",     "bi",           "angular",
                                                   "ppl_drop",   "js_drop",      "taylor",
                                                   "magnitude"};
    return names;
}

void checkMetricNames(const std::vector<std::string>& metrics) {
    const auto& names = analysisMetricNames();
    for (const auto& m : metrics) {
        if (std::find(names.begin(), names.end(), m) != names.end()) continue;
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw Error("unknown metric '" + m + "' (known: " + list + ")");
    }
}

std::string similarityParameters(const std::string& measure, const std::string& representation,
                                 const AnalysisOptions& o, const std::string& dtype) {
    nlohmann::json j = {{"representation", representation}, {"dtype", dtype}};
    if (measure == "cka_linear") j["max_tokens"] = o.maxExactTokens;
    if (measure == "cka_rbf") j["max_tokens"] = std::min(o.maxExactTokens, o.maxRbfTokens);
    if (measure == "cka_rbf") j["sigma_fraction"] = o.rbfSigmaFraction;
    if (measure == "cka_unbiased") j["minibatch_tokens"] = o.minibatchTokens;
    return j.dump();
}

std::string analysisParameters(const std::string& metric, const AnalysisOptions& o,
                               const std::string& dtype) {
    nlohmann::json j = {{"dtype", dtype}};
    if (metric == "angular") j["max_span"] = o.angularMaxSpan;
    if (metric == "taylor" || metric == "magnitude") j["norm_power"] = o.normPower;
    if (metric == "magnitude") j.erase("dtype");  // stored weights only
    return j.dump();
}

}  // namespace lamina
