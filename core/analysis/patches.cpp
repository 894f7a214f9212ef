#include "analysis/patches.h"

namespace lamina {

std::vector<Patch> detectPatches(const SimilarityMatrix& matrix, double threshold) {
    std::vector<Patch> patches;
    const int64_t n = matrix.size();
    int64_t first = 0;
    while (first < n) {
        int64_t last = first;
        while (last + 1 < n) {
            bool fits = true;
            for (int64_t k = first; k <= last && fits; ++k) fits = matrix.at(k, last + 1) >= threshold;
            if (!fits) break;
            ++last;
        }
        if (last > first) patches.push_back({first, last});
        first = last + 1;
    }
    return patches;
}

}  // namespace lamina
