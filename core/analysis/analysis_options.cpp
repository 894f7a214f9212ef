#include "analysis/analysis_options.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace lamina {

std::vector<Metric> allMetrics() {
    std::vector<Metric> all;
    for (const MetricInfo& m : analysisMetrics()) all.push_back(m.metric);
    return all;
}

AnalysisOptions fullAnalysisOptions(int64_t calibrationTokens) {
    AnalysisOptions o;
    o.metrics = allMetrics();
    o.residual = true;
    o.sublayer = true;
    o.minibatchTokens = std::min(o.minibatchTokens, calibrationTokens);
    return o;
}

std::string similarityParameters(Metric measure, const std::string& representation,
                                 const AnalysisOptions& o, const std::string& dtype) {
    nlohmann::json j = {{"representation", representation}, {"dtype", dtype}};
    if (measure == Metric::CkaLinear) j["max_tokens"] = o.maxExactTokens;
    if (measure == Metric::CkaRbf) j["max_tokens"] = std::min(o.maxExactTokens, o.maxRbfTokens);
    if (measure == Metric::CkaRbf) j["sigma_fraction"] = o.rbfSigmaFraction;
    if (measure == Metric::CkaUnbiased) j["minibatch_tokens"] = o.minibatchTokens;
    return j.dump();
}

std::string analysisParameters(Metric metric, const AnalysisOptions& o, const std::string& dtype) {
    nlohmann::json j = {{"dtype", dtype}};
    if (metric == Metric::Angular) j["max_span"] = o.angularMaxSpan;
    if (metric == Metric::Taylor || metric == Metric::Magnitude) j["norm_power"] = o.normPower;
    if (metric == Metric::Magnitude) j.erase("dtype");  // stored weights only
    return j.dump();
}

}  // namespace lamina
