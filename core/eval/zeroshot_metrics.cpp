#include "eval/zeroshot_metrics.h"

#include <cmath>
#include <limits>

#include "common/error.h"

namespace lamina {

double meanStandardError(const std::vector<double>& values) {
    const auto n = static_cast<double>(values.size());
    if (values.size() < 2) return 0;
    double mean = 0;
    for (const double v : values) mean += v;
    mean /= n;
    double squares = 0;
    for (const double v : values) squares += (v - mean) * (v - mean);
    return std::sqrt(squares / (n - 1)) / std::sqrt(n);
}

namespace {

std::size_t firstArgmax(const std::vector<double>& values) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < values.size(); ++i) {
        if (values[i] > values[best]) best = i;
    }
    return best;
}

MetricValue meanMetric(const std::vector<double>& values) {
    double sum = 0;
    for (const double v : values) sum += v;
    return {sum / static_cast<double>(values.size()), meanStandardError(values)};
}

}  // namespace

TaskMetrics aggregateTask(const ZeroShotTask& task,
                          const std::vector<std::vector<RequestScore>>& scores) {
    const std::string name = task.spec->name;
    if (scores.size() != task.items.size() || scores.empty()) {
        throw Error("task " + name + ": " + std::to_string(scores.size()) + " scored items for " +
                    std::to_string(task.items.size()));
    }
    std::vector<double> acc, accNorm, loglik;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const ZeroShotItem& item = task.items[i];
        const std::vector<RequestScore>& s = scores[i];
        if (s.size() != item.continuations.size()) {
            throw Error("task " + name + ": item " + std::to_string(i) + " has " +
                        std::to_string(s.size()) + " scores for " +
                        std::to_string(item.continuations.size()) + " requests");
        }
        if (task.spec->format == TaskFormat::GreedyTarget) {
            acc.push_back(s[0].greedy ? 1.0 : 0.0);
            loglik.push_back(s[0].logLikelihood);
            continue;
        }
        std::vector<double> ll, normalised;
        for (std::size_t j = 0; j < s.size(); ++j) {
            ll.push_back(s[j].logLikelihood);
            const auto length = static_cast<double>(item.choiceLengths[j]);
            // numpy divides by zero to ±inf; an empty choice is never preferred.
            normalised.push_back(length > 0 ? s[j].logLikelihood / length
                                            : -std::numeric_limits<double>::infinity());
        }
        const auto gold = static_cast<std::size_t>(item.gold);
        acc.push_back(firstArgmax(ll) == gold ? 1.0 : 0.0);
        accNorm.push_back(firstArgmax(normalised) == gold ? 1.0 : 0.0);
    }
    TaskMetrics m;
    m.task = name;
    m.items = static_cast<int64_t>(scores.size());
    m.metrics["acc"] = meanMetric(acc);
    if (task.spec->hasAccNorm) m.metrics["acc_norm"] = meanMetric(accNorm);
    if (task.spec->format == TaskFormat::GreedyTarget) {
        const MetricValue meanLl = meanMetric(loglik);
        const double ppl = std::exp(-meanLl.value);
        m.metrics["ppl"] = {ppl, ppl * meanLl.standardError};
    }
    return m;
}

}  // namespace lamina
