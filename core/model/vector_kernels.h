#pragma once

#include <cstdint>

namespace lamina {

/// y[b·ldy + r] (+)= Σ_j w[r·k + j] · x[b·k + j] + bias[r], for rows r in [r0, r1) of the
/// row-major weight w (·, k) and the B vectors x; `bias` may be null. With `accumulate` the
/// result is added to y (a residual add). Each weight row is read once for all B vectors, so
/// for small B this is one pass over the weights (GEMM would pack them first). Vectorised for
/// AVX-512 or AVX2 when the CPU has them, chosen at run time.
void multiplyRows(const float* w, const float* bias, int64_t k, int64_t r0, int64_t r1, const float* x,
                  int64_t B, float* y, int64_t ldy, bool accumulate);

/// Σ a[j]·b[j] over n, with the same instruction set as multiplyRows.
float dotProduct(const float* a, const float* b, int64_t n);

/// Softmax attention of one query over S cached positions: out[0, hd) = Σ_t p_t · values[t],
/// p = softmax(scale · keys[t]·q) over t < S; keys and values are (S, hd) row-major, `scores`
/// holds S floats of scratch. AVX2 when hd is a multiple of 8 up to 128.
void attendOne(const float* q, const float* keys, const float* values, int64_t S, int64_t hd, float scale,
               float* scores, float* out);

/// The instruction set the kernels use on this CPU: "avx512f", "avx2" or "generic".
const char* vectorKernelIsa();

}  // namespace lamina
