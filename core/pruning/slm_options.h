#pragma once

#include <cstdint>
#include <string>

namespace lamina {

/// Sliding Layer Merging (arXiv 2502.19159; methods.md "Sliding Layer Merging").
struct SlmOptions {
    double threshold = 0.72;       ///< merge while similarity > threshold
    std::string formula = "rdsc";  ///< rdsc | inplace | average (pruning/merge.h)
    int64_t lowest = 0;            ///< protected range: windows stay inside [lowest, highest]
    int64_t highest = -1;          ///< −1: L − 2 (the last block is protected)
    int64_t batchWindows = 0;      ///< windows per forward; 0 = automatic
};

}  // namespace lamina
