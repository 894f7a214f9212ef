#pragma once

#include <ATen/ATen.h>

namespace lamina {

// Similarity of two representations X (n, d1) and Y (n, d2) of the same n samples (tokens).
// All functions compute in float64 whatever the input dtype.
// ref: Kornblith et al. 2019 (CKA); Song et al. 2012 (unbiased HSIC); Nguyen et al. 2021,
// arXiv 2010.15327 (minibatch CKA).

/// Linear CKA, biased estimator: ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) with centred columns.
/// Returns 0 when either representation is constant.
double ckaLinear(const at::Tensor& X, const at::Tensor& Y);

/// Gram matrix of the Gaussian kernel exp(−‖xᵢ−xⱼ‖² / (2σ²)) with σ = `sigmaFraction` × the
/// median of the non-zero pairwise distances (n, n), float64.
at::Tensor rbfGram(const at::Tensor& X, double sigmaFraction);

/// Linear Gram X Xᵀ (n, n), float64.
at::Tensor linearGram(const at::Tensor& X);

/// CKA from two Gram matrices with the biased HSIC estimator tr(K H L H).
double ckaFromGrams(const at::Tensor& K, const at::Tensor& L);

/// Unbiased HSIC estimator (Song et al. 2012, eq. 5) of two Gram matrices; needs n > 3.
double hsicUnbiased(const at::Tensor& K, const at::Tensor& L);

/// CKA with the unbiased HSIC estimator on one batch (linear kernel).
double ckaUnbiased(const at::Tensor& X, const at::Tensor& Y);

/// RBF CKA (biased HSIC) with σ = `sigmaFraction` × median distance, per representation.
double ckaRbf(const at::Tensor& X, const at::Tensor& Y, double sigmaFraction = 0.8);

}  // namespace lamina
