#include "analysis/distribution_distance.h"

#include <cmath>

namespace lamina {

at::Tensor jsDivergence(const at::Tensor& logP, const at::Tensor& logQ) {
    // log M = logaddexp(log P, log Q) − log 2, stable for tiny probabilities.
    const at::Tensor logM = at::logaddexp(logP, logQ) - std::log(2.0);
    const at::Tensor p = logP.exp(), q = logQ.exp();
    const at::Tensor terms = p * (logP - logM) + q * (logQ - logM);  // (rows, V)
    return 0.5 * terms.sum(-1, false, at::kDouble);
}

at::Tensor klDivergence(const at::Tensor& logP, const at::Tensor& logQ) {
    return (logP.exp() * (logP - logQ)).sum(-1, false, at::kDouble);
}

}  // namespace lamina
