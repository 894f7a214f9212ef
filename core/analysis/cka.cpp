#include "analysis/cka.h"

#include <cmath>

#include "common/error.h"

namespace lamina {

namespace {

at::Tensor centredColumns(const at::Tensor& X) {
    const at::Tensor x = X.to(at::kDouble);
    return x - x.mean(0, true);
}

// H K H for symmetric K: subtract row means, column means, add the grand mean.
at::Tensor centreGram(const at::Tensor& K) {
    const at::Tensor rowMean = K.mean(1, true);
    const at::Tensor colMean = K.mean(0, true);
    return K - rowMean - colMean + K.mean();
}

void checkPair(const at::Tensor& X, const at::Tensor& Y) {
    if (X.dim() != 2 || Y.dim() != 2 || X.size(0) != Y.size(0)) {
        throw Error("CKA: representations must be (n, d) matrices over the same n samples");
    }
}

double safeRatio(double num, double den) { return den > 0 ? num / den : 0.0; }

}  // namespace

double ckaLinear(const at::Tensor& X, const at::Tensor& Y) {
    checkPair(X, Y);
    const at::Tensor x = centredColumns(X), y = centredColumns(Y);
    // Feature-space form: O(n·d²) instead of O(n²·d), fine for n ≥ d.
    const double xy = at::mm(y.t(), x).pow(2).sum().item<double>();
    const double xx = at::mm(x.t(), x).norm().item<double>();
    const double yy = at::mm(y.t(), y).norm().item<double>();
    return safeRatio(xy, xx * yy);
}

at::Tensor linearGram(const at::Tensor& X) {
    const at::Tensor x = X.to(at::kDouble);
    return at::mm(x, x.t());
}

at::Tensor rbfGram(const at::Tensor& X, double sigmaFraction) {
    if (sigmaFraction <= 0) throw Error("RBF CKA: sigma fraction must be positive");
    const at::Tensor x = X.to(at::kDouble);
    const at::Tensor sq = x.pow(2).sum(1, true);                            // (n,1)
    const at::Tensor d2 = (sq + sq.t() - 2 * at::mm(x, x.t())).clamp_min(0);  // (n,n)
    const int64_t n = x.size(0);
    const at::Tensor upper = d2.masked_select(at::ones({n, n}, at::kBool).triu(1));
    const at::Tensor positive = upper.masked_select(upper.gt(0));
    if (positive.numel() == 0) return at::ones({n, n}, x.options());
    const double sigma = sigmaFraction * std::sqrt(positive.median().item<double>());
    return at::exp(-d2 / (2 * sigma * sigma));
}

double ckaFromGrams(const at::Tensor& K, const at::Tensor& L) {
    const at::Tensor kc = centreGram(K.to(at::kDouble)), lc = centreGram(L.to(at::kDouble));
    const double kl = (kc * lc).sum().item<double>();
    const double kk = (kc * kc).sum().item<double>();
    const double ll = (lc * lc).sum().item<double>();
    return safeRatio(kl, std::sqrt(kk * ll));
}

double hsicUnbiased(const at::Tensor& K, const at::Tensor& L) {
    const int64_t n = K.size(0);
    if (n < 4) throw Error("unbiased HSIC needs at least 4 samples, got " + std::to_string(n));
    const at::Tensor eye = at::eye(n, at::kBool);
    const at::Tensor k = K.to(at::kDouble).masked_fill(eye, 0);
    const at::Tensor l = L.to(at::kDouble).masked_fill(eye, 0);
    const double dn = static_cast<double>(n);
    const double trace = (k * l).sum().item<double>();  // tr(K̃ L̃) for symmetric L̃
    const double sums = k.sum().item<double>() * l.sum().item<double>() / ((dn - 1) * (dn - 2));
    const double cross = at::mv(k, l.sum(1)).sum().item<double>() * 2 / (dn - 2);  // 1ᵀK̃L̃1
    return (trace + sums - cross) / (dn * (dn - 3));
}

double ckaUnbiased(const at::Tensor& X, const at::Tensor& Y) {
    checkPair(X, Y);
    const at::Tensor K = linearGram(X), L = linearGram(Y);
    const double kl = hsicUnbiased(K, L);
    const double kk = hsicUnbiased(K, K), ll = hsicUnbiased(L, L);
    return kk > 0 && ll > 0 ? kl / std::sqrt(kk * ll) : 0.0;
}

double ckaRbf(const at::Tensor& X, const at::Tensor& Y, double sigmaFraction) {
    checkPair(X, Y);
    return ckaFromGrams(rbfGram(X, sigmaFraction), rbfGram(Y, sigmaFraction));
}

}  // namespace lamina
