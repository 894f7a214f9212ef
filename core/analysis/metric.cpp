#include "analysis/metric.h"

#include "common/error.h"

namespace lamina {

const std::vector<MetricInfo>& analysisMetrics() {
    using K = MetricKind;
    static const std::vector<MetricInfo> table = {
        {Metric::CkaLinear, "cka_linear", K::Similarity, "linear CKA"},
        {Metric::CkaUnbiased, "cka_unbiased", K::Similarity, "unbiased (minibatch) CKA"},
        {Metric::CkaRbf, "cka_rbf", K::Similarity, "RBF-kernel CKA"},
        {Metric::Cosine, "cosine", K::Similarity, "cosine similarity"},
        {Metric::Bi, "bi", K::Importance, "Block Influence (ShortGPT)"},
        {Metric::Angular, "angular", K::Importance, "angular distance, n = 1 (Gromov et al.)"},
        {Metric::PplDrop, "ppl_drop", K::Importance, "calibration PPL with the unit removed"},
        {Metric::JsDrop, "js_drop", K::Importance, "JS divergence with the unit removed (FinerCut)"},
        {Metric::Taylor, "taylor", K::Importance, "Taylor+ (Shortened LLaMA)"},
        {Metric::Magnitude, "magnitude", K::Importance, "weight magnitude"},
    };
    return table;
}

const MetricInfo& metricInfo(Metric metric) {
    for (const MetricInfo& m : analysisMetrics()) {
        if (m.metric == metric) return m;
    }
    throw Error("metric: not in the table");  // unreachable: every enumerator has a row
}

const char* metricName(Metric metric) { return metricInfo(metric).name; }

const MetricInfo* findMetric(const std::string& name) {
    for (const MetricInfo& m : analysisMetrics()) {
        if (name == m.name) return &m;
    }
    return nullptr;
}

Metric parseMetric(const std::string& name) {
    if (const MetricInfo* m = findMetric(name)) return m->metric;
    std::string list;
    for (const MetricInfo& m : analysisMetrics()) list += (list.empty() ? "" : ", ") + std::string(m.name);
    throw Error("unknown metric '" + name + "' (known: " + list + ")");
}

}  // namespace lamina
