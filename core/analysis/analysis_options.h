#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/metric.h"

namespace lamina {

struct AnalysisOptions {
    std::vector<Metric> metrics;  ///< cosine also yields the angular_distance matrix
    bool residual = true;        ///< similarity over h_0 … h_L
    bool sublayer = false;       ///< similarity over the 2L sublayer outputs
    double rbfSigmaFraction = 0.8;
    int64_t minibatchTokens = 256;
    int64_t maxExactTokens = 2048;  ///< cka_linear: evenly spaced token cap
    int64_t maxRbfTokens = 1024;    ///< cka_rbf: token cap (its kernel is n² per site)
    int64_t angularMaxSpan = 0;  ///< Gromov's n = 1 … k; 0 = every span up to L − 1
    int normPower = 1;           ///< taylor / magnitude: p of Σ|·|^p
    int64_t batchWindows = 0;    ///< windows per forward; 0 = automatic (bounded memory)
    /// Similarity, bi, angular, ppl_drop and js_drop advance all calibration windows (and, for
    /// the removal scores, every unit's pruned stream) through one block at a time and drop
    /// each block's mapped weight pages after it (a checkpoint larger than RAM can be
    /// analysed). Same results bit for bit; not part of any cache key.
    bool layerByLayer = false;
};

/// Every metric of the table.
std::vector<Metric> allMetrics();

/// The analysis the app runs on a model: every metric over block and sublayer outputs; on a
/// calibration set of fewer tokens than a minibatch, one minibatch of all of them (unbiased
/// CKA needs a whole one).
AnalysisOptions fullAnalysisOptions(int64_t calibrationTokens);

/// Parameters that shape an importance result under `options`, as canonical JSON (cache keys).
std::string analysisParameters(Metric metric, const AnalysisOptions& options, const std::string& computeDtype);

/// The same for a similarity matrix of `representation` ("residual" or "sublayer"); the
/// angular_distance matrix shares the parameters of cosine.
std::string similarityParameters(Metric measure, const std::string& representation,
                                 const AnalysisOptions& options, const std::string& computeDtype);

}  // namespace lamina
