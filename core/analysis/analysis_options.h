#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lamina {

/// Metric names accepted by `runAnalysis` (and `lamina-cli analyze --metrics`).
/// Similarity: cka_linear, cka_unbiased, cka_rbf, cosine (also yields angular_distance).
/// Importance: bi, angular, ppl_drop, js_drop, taylor, magnitude.
const std::vector<std::string>& analysisMetricNames();

struct AnalysisOptions {
    std::vector<std::string> metrics;
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

/// Throws `Error` "unknown metric 'x' (known: …)" for a name not in analysisMetricNames().
void checkMetricNames(const std::vector<std::string>& metrics);

/// Parameters that shape an importance result under `options`, as canonical JSON (cache keys).
std::string analysisParameters(const std::string& metric, const AnalysisOptions& options,
                               const std::string& computeDtype);

/// The same for a similarity matrix of `representation` ("residual" or "sublayer"); the
/// angular_distance matrix shares the parameters of "cosine".
std::string similarityParameters(const std::string& measure, const std::string& representation,
                                 const AnalysisOptions& options, const std::string& computeDtype);

}  // namespace lamina
