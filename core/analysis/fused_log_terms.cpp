#include "analysis/fused_log_terms.h"

#include <cmath>
#include <cstring>

// AVX-512, AVX2 and baseline clones chosen at load time; the loops below are written so that
// GCC vectorises them (fixed-width blocks, no calls, selects instead of branches). Timings:
// tests/bench/scoring_parts.cpp, docs/benchmarks.md.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LAMINA_VECTOR_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LAMINA_VECTOR_CLONES
#endif
// Everything a clone calls is inlined into it, so that it is compiled for the clone's target.
#define LAMINA_INLINE inline __attribute__((always_inline))

namespace lamina::fused {

namespace {

constexpr float kLn2 = 0.693147180559945309f;
constexpr int kBlock = 16;

LAMINA_INLINE float fromBits(int32_t i) {
    float f;
    std::memcpy(&f, &i, sizeof f);
    return f;
}

LAMINA_INLINE int32_t toBits(float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i;
}

// e^x, 0 below −87 (where float32 would go subnormal); x ≤ 88.
LAMINA_INLINE float expf32(float x) {
    const float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    // n = round(x / ln 2) by the 1.5·2²³ trick: its bits hold n without a float→int call.
    const float shifted = xc * 1.44269504088896341f + 12582912.0f;
    const float n = shifted - 12582912.0f;
    const int32_t ni = toBits(shifted) - toBits(12582912.0f);
    const float r = (xc - n * 0.693359375f) + n * 2.12194440e-4f;  // x − n ln 2 in two parts
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    const float scaled = y * fromBits((ni + 127) << 23);
    return x < -87.0f ? 0.0f : scaled;
}

// log(1 + z) for z in [√½ − 1, √2 − 1].
LAMINA_INLINE float log1pSmall(float z) {
    float y = 7.0376836292e-2f;
    y = y * z - 1.1514610310e-1f;
    y = y * z + 1.1676998740e-1f;
    y = y * z - 1.2420140846e-1f;
    y = y * z + 1.4249322787e-1f;
    y = y * z - 1.6668057665e-1f;
    y = y * z + 2.0000714765e-1f;
    y = y * z - 2.4999993993e-1f;
    y = y * z + 3.3333331174e-1f;
    const float z2 = z * z;
    return z + (z2 * z * y - 0.5f * z2);
}

// One vocabulary entry's p log(p/m) + q log(q/m). With hi = max(log p, log q), d = lo − hi ≤ 0,
// e = e^d and p_hi = e^hi it is p_hi [(1+e)(ln 2 − log(1+e)) + e·d]; ln 2 − log(1+e) is taken
// from log1p((e−1)/2) when e > √2 − 1 so that near-equal distributions do not cancel ln 2.
LAMINA_INLINE float jsTerm(float a, float b) {
    a = a > -1e30f ? a : -1e30f;  // −inf log-probabilities contribute 0 instead of NaN
    b = b > -1e30f ? b : -1e30f;
    const float hi = a > b ? a : b;
    const float d = (a > b ? b : a) - hi;
    const float e = expf32(d);
    const bool large = e > 0.41421356f;
    const float halfEMinus1 = (e - 1.0f) * 0.5f;
    const float l = log1pSmall(large ? halfEMinus1 : e);
    const float minusL = -l, ln2MinusL = kLn2 - l;
    const float ln2MinusLog1pE = large ? minusL : ln2MinusL;
    return expf32(hi) * ((1.0f + e) * ln2MinusLog1pE + e * d);
}

LAMINA_INLINE float klTerm(float a, float b) {
    const float p = expf32(a);
    const float term = p * (a - b);
    return p == 0.0f ? 0.0f : term;  // p = 0 where log p = −inf: no NaN from −inf·0
}

template <float (*Term)(float, float)>
LAMINA_INLINE double sumTerms(const float* p, const float* q, int64_t n) {
    double lanes[kBlock] = {};
    int64_t j = 0;
    for (; j + kBlock <= n; j += kBlock)
        for (int k = 0; k < kBlock; ++k) lanes[k] += static_cast<double>(Term(p[j + k], q[j + k]));
    double total = 0;
    for (; j < n; ++j) total += static_cast<double>(Term(p[j], q[j]));
    for (double lane : lanes) total += lane;
    return total;
}

}  // namespace

LAMINA_VECTOR_CLONES double sumJsTerms(const float* logP, const float* logQ, int64_t n) {
    return sumTerms<jsTerm>(logP, logQ, n);
}

LAMINA_VECTOR_CLONES void logSoftmaxRow(float* x, int64_t n) {
    float lanesMax[kBlock];
    for (float& m : lanesMax) m = -3.0e38f;
    int64_t j = 0;
    for (; j + kBlock <= n; j += kBlock)
        for (int k = 0; k < kBlock; ++k) lanesMax[k] = x[j + k] > lanesMax[k] ? x[j + k] : lanesMax[k];
    float m = -3.0e38f;
    for (; j < n; ++j) m = x[j] > m ? x[j] : m;
    for (const float lane : lanesMax) m = lane > m ? lane : m;
    double lanes[kBlock] = {};
    for (j = 0; j + kBlock <= n; j += kBlock)
        for (int k = 0; k < kBlock; ++k) lanes[k] += static_cast<double>(expf32(x[j + k] - m));
    double sum = 0;
    for (; j < n; ++j) sum += static_cast<double>(expf32(x[j] - m));
    for (const double lane : lanes) sum += lane;
    const auto logSum = static_cast<float>(std::log(sum));
    for (j = 0; j < n; ++j) x[j] = (x[j] - m) - logSum;
}

LAMINA_VECTOR_CLONES double sumKlTerms(const float* logP, const float* logQ, int64_t n) {
    return sumTerms<klTerm>(logP, logQ, n);
}

}  // namespace lamina::fused
