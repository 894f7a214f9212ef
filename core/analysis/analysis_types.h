#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lamina {

/// A layer-by-layer similarity matrix (plain data: usable from Qt code).
struct SimilarityMatrix {
    std::string measure;         ///< cka_linear | cka_unbiased | cka_rbf | cosine | angular_distance
    std::string representation;  ///< "residual" (h_0 … h_L) or "sublayer" (attn/FFN outputs)
    std::vector<std::string> labels;  ///< row/column names: "h0" … "h16" or "attn.0", "mlp.0", …
    std::vector<double> values;       ///< row-major, size() × size()
    int64_t tokens = 0;               ///< samples it was computed from
    std::string parameters;           ///< canonical JSON of everything that shaped it

    int64_t size() const { return static_cast<int64_t>(labels.size()); }
    double at(int64_t i, int64_t j) const { return values[static_cast<std::size_t>(i * size() + j)]; }
};

/// Importance of prunable units. For every metric a lower value means "less important":
/// the unit whose removal changes the model least comes first.
struct ImportanceScores {
    std::string metric;               ///< bi | angular | ppl_drop | js_drop | taylor | magnitude
    std::vector<std::string> units;   ///< "attn.i", "mlp.i", "block.i" (angular: first block)
    std::vector<int64_t> shape;       ///< {units} — angular: {n_max, L}, row n−1 = span of n blocks
    std::vector<double> values;       ///< row-major; NaN where undefined (angular beyond depth)
    std::map<std::string, double> extras;  ///< e.g. "base_ppl" (the unpruned calibration PPL)
    std::string parameters;           ///< canonical JSON

    /// Value of `unit` (1-D metrics); NaN when absent.
    double value(const std::string& unit) const;
};

/// Everything one analysis run produced.
struct AnalysisOutput {
    std::vector<SimilarityMatrix> similarities;
    std::vector<ImportanceScores> importances;
};

}  // namespace lamina
