#pragma once

// Plain results of Sliding Layer Merging (no libtorch: the GUI uses them).

#include <cstdint>
#include <vector>

namespace lamina {

/// A committed merge: original blocks [first, last] became one block.
struct SlmMerge {
    int64_t first = 0;
    int64_t last = 0;
    double similarity = 0;  ///< mean cosine of final-normed last hidden states, original vs merged
};

/// One interval of the threshold sweep: for every T in [thresholdLow, thresholdHigh) SLM
/// commits exactly `merges` (the result is not monotone in T; intervals are disjoint and
/// cover [−1, 1]).
struct SlmSweepEntry {
    double thresholdLow = 0;
    double thresholdHigh = 0;
    std::vector<SlmMerge> merges;
    int64_t removedBlocks = 0;
};

}  // namespace lamina
