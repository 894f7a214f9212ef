#pragma once

#include <string>
#include <vector>

namespace lamina {

/// What an analysis computes (`lamina-cli analyze --metrics`, methods.md).
enum class Metric { CkaLinear, CkaUnbiased, CkaRbf, Cosine, Bi, Angular, PplDrop, JsDrop, Taylor, Magnitude };

/// Similarity metrics give a matrix over layer pairs; importance metrics a score per unit.
enum class MetricKind { Similarity, Importance };

struct MetricInfo {
    Metric metric;
    const char* name;   ///< as in the CLI, JSON and the results file
    MetricKind kind;
    const char* label;  ///< for people: the GUI's menus and plot titles
};

/// Every metric, in the CLI's order.
const std::vector<MetricInfo>& analysisMetrics();
const MetricInfo& metricInfo(Metric metric);
const char* metricName(Metric metric);
/// Throws `Error` "unknown metric 'x' (known: …)".
Metric parseMetric(const std::string& name);
/// Nullptr for a name that is no metric (a stored result's "angular_distance").
const MetricInfo* findMetric(const std::string& name);

}  // namespace lamina
