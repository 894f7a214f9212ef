#include "analysis/distribution_distance.h"

#include <cmath>
#include <vector>

namespace lamina {

namespace {

// Row chunks of this many rows (4 MB of float32 per operand at V = 32,000): the element-wise
// passes then stay in cache. Whole (rows, V) tensors made jsDivergence 24x slower (1.2 s vs
// 0.05 s for 512 × 32,000, measured), the bulk of FinerCut's and the GUI's plan-check time.
constexpr int64_t kRowChunk = 32;

template <typename Fn>
at::Tensor byRowChunks(const at::Tensor& logP, const at::Tensor& logQ, Fn rowValues) {
    const int64_t rows = logP.size(0);
    if (rows <= kRowChunk) return rowValues(logP, logQ);
    std::vector<at::Tensor> parts;
    parts.reserve(static_cast<std::size_t>((rows + kRowChunk - 1) / kRowChunk));
    for (int64_t r = 0; r < rows; r += kRowChunk) {
        const int64_t n = std::min(kRowChunk, rows - r);
        parts.push_back(rowValues(logP.narrow(0, r, n), logQ.narrow(0, r, n)));
    }
    return at::cat(parts);
}

}  // namespace

at::Tensor jsDivergence(const at::Tensor& logP, const at::Tensor& logQ) {
    return byRowChunks(logP, logQ, [](const at::Tensor& lp, const at::Tensor& lq) {
        // log M = logaddexp(log P, log Q) − log 2, stable for tiny probabilities.
        const at::Tensor logM = at::logaddexp(lp, lq) - std::log(2.0);
        const at::Tensor p = lp.exp(), q = lq.exp();
        const at::Tensor terms = p * (lp - logM) + q * (lq - logM);  // (rows, V)
        return 0.5 * terms.sum(-1, false, at::kDouble);
    });
}

at::Tensor klDivergence(const at::Tensor& logP, const at::Tensor& logQ) {
    return byRowChunks(logP, logQ, [](const at::Tensor& lp, const at::Tensor& lq) {
        return (lp.exp() * (lp - lq)).sum(-1, false, at::kDouble);
    });
}

}  // namespace lamina
