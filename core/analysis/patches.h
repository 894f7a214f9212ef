#pragma once

#include <cstdint>
#include <vector>

#include "analysis/analysis_types.h"

namespace lamina {

/// A run of consecutive rows [first, last] of a similarity matrix.
struct Patch {
    int64_t first = 0;
    int64_t last = 0;
};

/// The "patch-like" blocks of a similarity matrix: maximal runs of at least two consecutive
/// layers in which every pair has similarity ≥ `threshold`, found left to right (a run ends at
/// the first layer that falls below the threshold with any member; the next run starts there).
std::vector<Patch> detectPatches(const SimilarityMatrix& matrix, double threshold);

}  // namespace lamina
