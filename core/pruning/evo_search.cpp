#include "pruning/evo_search.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"

namespace lamina::evo {

int64_t below(Rng& rng, int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); }

Mask randomMask(int64_t n, int64_t k, Rng& rng) {
    if (k < 0 || k > n) throw Error("evo: cannot remove " + std::to_string(k) + " of " + std::to_string(n) + " units");
    std::vector<int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    for (int64_t i = 0; i < k; ++i) std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(i + below(rng, n - i))]);
    Mask m(static_cast<std::size_t>(n), 0);
    for (int64_t i = 0; i < k; ++i) m[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = 1;
    return m;
}

int64_t drawSwaps(int64_t maxMutations, Rng& rng) {
    const int64_t a = 1 + below(rng, maxMutations), b = 1 + below(rng, maxMutations);
    return std::min(a, b);
}

int64_t removedCount(const Mask& mask) { return std::count(mask.begin(), mask.end(), 1); }

Mask mutate(const Mask& parent, int64_t swaps, Rng& rng) {
    Mask m = parent;
    const auto n = static_cast<int64_t>(m.size());
    const int64_t k = removedCount(m);
    if (k == 0 || k == n) return m;  // nothing to exchange
    for (int64_t s = 0; s < swaps; ++s) {
        // The r-th removed and the q-th kept unit, uniformly.
        int64_t r = below(rng, k), q = below(rng, n - k);
        std::size_t removed = 0, kept = 0;
        for (std::size_t i = 0; i < m.size(); ++i) {
            if (m[i] && r-- == 0) removed = i;
            if (!m[i] && q-- == 0) kept = i;
        }
        m[removed] = 0;
        m[kept] = 1;
    }
    return m;
}

std::vector<int64_t> drawWindows(int64_t total, int64_t count, Rng& rng) {
    Mask m = randomMask(total, std::min(count, total), rng);
    std::vector<int64_t> w;
    for (int64_t i = 0; i < total; ++i) {
        if (m[static_cast<std::size_t>(i)]) w.push_back(i);
    }
    return w;
}

int64_t defaultGenerations(int64_t n, int64_t k) {
    return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(k * (n - k)) / 1.5));
}

}  // namespace lamina::evo
