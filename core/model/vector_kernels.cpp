#include "model/vector_kernels.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LAMINA_X86 1
#endif

namespace lamina {

namespace {

// Four weight rows against one vector: four independent accumulator chains, one load of x.
using Rows4Fn = void (*)(const float* w, int64_t k, const float* x, float* out);
using DotFn = float (*)(const float* a, const float* b, int64_t n);

float dotGeneric(const float* a, const float* b, int64_t n) {
    float lanes[8] = {};
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int l = 0; l < 8; ++l) lanes[l] += a[j + l] * b[j + l];
    }
    float s = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    for (; j < n; ++j) s += a[j] * b[j];
    return s;
}

void rows4Generic(const float* w, int64_t k, const float* x, float* out) {
    for (int i = 0; i < 4; ++i) out[i] = dotGeneric(w + i * k, x, k);
}

// Shared by every instruction set: the scores' softmax, in place.
float softmaxInPlace(float* s, int64_t S) {
    float top = -INFINITY;
    for (int64_t t = 0; t < S; ++t) top = std::max(top, s[t]);
    float total = 0;
    for (int64_t t = 0; t < S; ++t) total += (s[t] = std::exp(s[t] - top));
    return total;
}

void attendGeneric(const float* q, const float* keys, const float* values, int64_t S, int64_t hd, float scale,
                   float* s, float* out) {
    for (int64_t t = 0; t < S; ++t) s[t] = dotGeneric(q, keys + t * hd, hd) * scale;
    const float total = softmaxInPlace(s, S);
    std::fill_n(out, hd, 0.0F);
    for (int64_t t = 0; t < S; ++t) {
        const float p = s[t] / total;
        const float* vr = values + t * hd;
        for (int64_t j = 0; j < hd; ++j) out[j] += p * vr[j];
    }
}

#ifdef LAMINA_X86
__attribute__((target("avx2,fma"))) float sum8(__m256 v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

__attribute__((target("avx2,fma"))) float dotAvx2(const float* a, const float* b, int64_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(b + j + 8), acc1);
    }
    for (; j + 8 <= n; j += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), acc0);
    float s = sum8(_mm256_add_ps(acc0, acc1));
    for (; j < n; ++j) s += a[j] * b[j];
    return s;
}

__attribute__((target("avx2,fma"))) void rows4Avx2(const float* w, int64_t k, const float* x, float* out) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t j = 0;
    for (; j + 8 <= k; j += 8) {
        const __m256 xv = _mm256_loadu_ps(x + j);
        for (int i = 0; i < 4; ++i) {
            // The next four rows, one cache line per two steps (the hardware prefetcher does
            // not follow four short interleaved streams far enough ahead).
            if ((j & 15) == 0) _mm_prefetch(reinterpret_cast<const char*>(w + (i + 4) * k + j), _MM_HINT_T0);
            acc[i] = _mm256_fmadd_ps(_mm256_loadu_ps(w + i * k + j), xv, acc[i]);
        }
    }
    for (int i = 0; i < 4; ++i) {
        float s = sum8(acc[i]);
        for (int64_t t = j; t < k; ++t) s += w[i * k + t] * x[t];
        out[i] = s;
    }
}

// hd/8 registers hold the query and then the output; the keys and values stream once.
__attribute__((target("avx2,fma"))) void attendAvx2(const float* q, const float* keys, const float* values,
                                                    int64_t S, int64_t hd, float scale, float* s, float* out) {
    constexpr int kMax = 16;  // hd <= 128
    const int n = static_cast<int>(hd / 8);
    __m256 reg[kMax];
    for (int i = 0; i < n; ++i) reg[i] = _mm256_loadu_ps(q + 8 * i);
    for (int64_t t = 0; t < S; ++t) {
        const float* kr = keys + t * hd;
        __m256 acc = _mm256_mul_ps(reg[0], _mm256_loadu_ps(kr));
        for (int i = 1; i < n; ++i) acc = _mm256_fmadd_ps(reg[i], _mm256_loadu_ps(kr + 8 * i), acc);
        s[t] = sum8(acc) * scale;
    }
    const float total = softmaxInPlace(s, S);
    for (int i = 0; i < n; ++i) reg[i] = _mm256_setzero_ps();
    for (int64_t t = 0; t < S; ++t) {
        const __m256 p = _mm256_set1_ps(s[t] / total);
        const float* vr = values + t * hd;
        for (int i = 0; i < n; ++i) reg[i] = _mm256_fmadd_ps(p, _mm256_loadu_ps(vr + 8 * i), reg[i]);
    }
    for (int i = 0; i < n; ++i) _mm256_storeu_ps(out + 8 * i, reg[i]);
}

__attribute__((target("avx512f"))) float dotAvx512(const float* a, const float* b, int64_t n) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t j = 0;
    for (; j + 32 <= n; j += 32) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + j + 16), _mm512_loadu_ps(b + j + 16), acc1);
    }
    if (j + 16 <= n) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j), acc0);
        j += 16;
    }
    if (j < n) {
        const auto tail = static_cast<__mmask16>((1U << (n - j)) - 1U);
        acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, a + j), _mm512_maskz_loadu_ps(tail, b + j), acc1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

__attribute__((target("avx512f"))) void rows4Avx512(const float* w, int64_t k, const float* x, float* out) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t j = 0;
    for (; j + 16 <= k; j += 16) {
        const __m512 xv = _mm512_loadu_ps(x + j);
        for (int i = 0; i < 4; ++i) {
            _mm_prefetch(reinterpret_cast<const char*>(w + (i + 4) * k + j), _MM_HINT_T0);
            acc[i] = _mm512_fmadd_ps(_mm512_loadu_ps(w + i * k + j), xv, acc[i]);
        }
    }
    if (j < k) {
        const auto tail = static_cast<__mmask16>((1U << (k - j)) - 1U);
        const __m512 xv = _mm512_maskz_loadu_ps(tail, x + j);
        for (int i = 0; i < 4; ++i) {
            acc[i] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w + i * k + j), xv, acc[i]);
        }
    }
    for (int i = 0; i < 4; ++i) out[i] = _mm512_reduce_add_ps(acc[i]);
}
#endif

using AttendFn = void (*)(const float*, const float*, const float*, int64_t, int64_t, float, float*, float*);

struct Kernels {
    const char* isa = "generic";
    DotFn dot = dotGeneric;
    Rows4Fn rows4 = rows4Generic;
    AttendFn attend = attendGeneric;  // for hd a multiple of 8, at most 128
};

Kernels pick() {
#ifdef LAMINA_X86
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (__builtin_cpu_supports("avx512f")) return {"avx512f", dotAvx512, rows4Avx512, avx2 ? attendAvx2 : attendGeneric};
    if (avx2) return {"avx2", dotAvx2, rows4Avx2, attendAvx2};
#endif
    return {};
}

const Kernels& kernels() {
    static const Kernels k = pick();
    return k;
}

}  // namespace

void multiplyRows(const float* w, const float* bias, int64_t k, int64_t r0, int64_t r1, const float* x,
                  int64_t B, float* y, int64_t ldy, bool accumulate) {
    const Kernels& K = kernels();
    auto store = [&](int64_t b, int64_t r, float v) {
        if (bias) v += bias[r];
        float& dst = y[b * ldy + r];
        dst = accumulate ? dst + v : v;
    };
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4) {
        for (int64_t b = 0; b < B; ++b) {
            float out[4];
            K.rows4(w + r * k, k, x + b * k, out);
            for (int i = 0; i < 4; ++i) store(b, r + i, out[i]);
        }
    }
    for (; r < r1; ++r) {
        for (int64_t b = 0; b < B; ++b) store(b, r, K.dot(w + r * k, x + b * k, k));
    }
}

float dotProduct(const float* a, const float* b, int64_t n) { return kernels().dot(a, b, n); }

void attendOne(const float* q, const float* keys, const float* values, int64_t S, int64_t hd, float scale,
               float* scores, float* out) {
    const bool fits = hd % 8 == 0 && hd <= 128 && hd > 0;
    (fits ? kernels().attend : attendGeneric)(q, keys, values, S, hd, scale, scores, out);
}

const char* vectorKernelIsa() { return kernels().isa; }

}  // namespace lamina
