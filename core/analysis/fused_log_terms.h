#pragma once

// Element-wise sums over one row of two log-probability vectors, in one pass with
// vectorisable float32 exp/log (Cephes' polynomials, ~1 ulp), summed in float64; and a row's
// log-softmax in place the same way.
// Internal to distribution_distance.cpp; no libtorch, so it compiles fast and at -O3.

#include <cstdint>

namespace lamina::fused {

/// Σ_j p_j (log p_j − log m_j) + q_j (log q_j − log m_j), m = ½(p+q): twice the row's JS.
double sumJsTerms(const float* logP, const float* logQ, int64_t n);

/// Σ_j p_j (log p_j − log q_j): the row's KL(P‖Q).
double sumKlTerms(const float* logP, const float* logQ, int64_t n);

/// Overwrites logits x[0..n) with their log-softmax: x_j − max − log Σ e^(x_k − max), the
/// sum in float64.
void logSoftmaxRow(float* x, int64_t n);

}  // namespace lamina::fused
