#pragma once

#include <cstdint>
#include <string>

#include "pruning/merge_formula.h"

namespace lamina {

/// Sliding Layer Merging (arXiv 2502.19159; methods.md "Sliding Layer Merging").
struct SlmOptions {
    double threshold = 0.72;       ///< merge while similarity > threshold
    MergeFormula formula = MergeFormula::Rdsc;
    int64_t lowest = 0;            ///< protected range: windows stay inside [lowest, highest]
    int64_t highest = -1;          ///< −1: L − 2 (the last block is protected)
    int64_t batchWindows = 0;      ///< windows per forward; 0 = automatic
};

}  // namespace lamina
