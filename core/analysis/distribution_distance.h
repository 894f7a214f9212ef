#pragma once

#include <ATen/ATen.h>

namespace lamina {

// Distances between next-token distributions given as log-probabilities (rows, V), float32.
// Each returns the per-row value (rows), float64. ref: FinerCut (arXiv 2405.18218), §3.

/// Jensen–Shannon divergence ½ KL(P‖M) + ½ KL(Q‖M), M = ½(P+Q), in nats.
at::Tensor jsDivergence(const at::Tensor& logP, const at::Tensor& logQ);

/// KL(P‖Q) in nats.
at::Tensor klDivergence(const at::Tensor& logP, const at::Tensor& logQ);

/// Log-softmax over the last dimension of logits (rows, V). CPU float32 rows with unit stride
/// are overwritten in place (a fused pass; the result shares `logits`' storage); other
/// inputs go through at::log_softmax and are left unchanged.
at::Tensor logSoftmaxInPlace(const at::Tensor& logits);

// CPU float32 rows go through one fused pass (fused_log_terms.h); other devices and dtypes
// through ATen operations. These are the latter for any input, for tests of the former.
at::Tensor jsDivergenceByOps(const at::Tensor& logP, const at::Tensor& logQ);
at::Tensor klDivergenceByOps(const at::Tensor& logP, const at::Tensor& logQ);

}  // namespace lamina
