#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "common/error.h"

namespace lamina {

/// Progress callback of every long operation: `done` of `total` units finished.
/// Returning false cancels; the operation then throws `Cancelled` instead of returning a
/// partial result. An empty function means "no progress wanted".
using ProgressFn = std::function<bool(int64_t done, int64_t total)>;

/// Reports progress and throws `Cancelled` when the callback asks to stop.
inline void reportProgress(const ProgressFn& progress, int64_t done, int64_t total) {
    if (progress && !progress(done, total)) {
        throw Cancelled();
    }
}

}  // namespace lamina

namespace lamina {

/// Reports consecutive stages of one long operation as a single progress scale: stage i
/// occupies a share of the total proportional to `weights[i]` (e.g. estimated block forwards).
class StagedProgress {
public:
    StagedProgress(ProgressFn overall, std::vector<double> weights)
        : mOverall(std::move(overall)), mWeights(std::move(weights)) {
        for (double w : mWeights) mTotal += w;
    }

    /// The callback for stage `index`; it forwards cancellation from the overall callback.
    ProgressFn stage(std::size_t index) const {
        double offset = 0;
        for (std::size_t i = 0; i < index; ++i) offset += mWeights[i];
        const double weight = mWeights.at(index), total = mTotal;
        const ProgressFn overall = mOverall;
        return [overall, offset, weight, total](int64_t done, int64_t stageTotal) {
            if (!overall) return true;
            const double share = stageTotal > 0 ? static_cast<double>(done) / stageTotal : 1.0;
            const double scaled = total > 0 ? (offset + weight * share) / total : 1.0;
            return overall(static_cast<int64_t>(scaled * kScale), kScale);
        };
    }

    static constexpr int64_t kScale = 1000000;

private:
    ProgressFn mOverall;
    std::vector<double> mWeights;
    double mTotal = 0;
};

}  // namespace lamina
