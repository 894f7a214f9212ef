#include "model/forward.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "model/rope.h"

namespace lamina {

bool Taps::wants(TapSite site) const {
    if (!onTap) return false;
    switch (site) {
        case TapSite::Residual:
            return residual;
        case TapSite::AttnOut:
            return attnOut;
        case TapSite::MlpOut:
            return mlpOut;
    }
    return false;
}

// --- Forward ------------------------------------------------------------------------------

namespace {

void tap(const Taps* taps, int64_t layer, TapSite site, const at::Tensor& t) {
    if (taps != nullptr && taps->wants(site)) taps->onTap(TapPoint{layer, site}, t);
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    return b.defined() ? at::linear(x, inType(w, x.scalar_type()), inType(b, x.scalar_type()))
                       : at::linear(x, inType(w, x.scalar_type()));
}

// Additive mask (T, P+T) for T new positions after P cached ones: 0 where query P+i may
// attend to key j (j ≤ P+i, and inside the sliding window when there is one), −inf elsewhere.
at::Tensor causalMask(int64_t T, int64_t P, const std::optional<int64_t>& window,
                      const at::TensorOptions& like) {
    const auto longs = like.dtype(at::kLong);
    const at::Tensor q = at::arange(P, P + T, longs).unsqueeze(1);
    const at::Tensor k = at::arange(P + T, longs).unsqueeze(0);
    at::Tensor hidden = k.gt(q);
    if (window) hidden = hidden.bitwise_or(k.le(q - *window));
    return at::zeros({T, P + T}, like).masked_fill(hidden, -std::numeric_limits<float>::infinity());
}

// One block's slot in a KvCache: `past` positions filled, buffers grown as needed.
struct CacheSlot {
    at::Tensor* keys = nullptr;
    at::Tensor* values = nullptr;
    int64_t past = 0;
    int64_t reserve = 0;

    // Writes `fresh` (B·nKV, T, hd) after the filled positions of `buffer`; returns the view
    // of all P+T positions.
    at::Tensor append(at::Tensor& buffer, const at::Tensor& fresh) const {
        const int64_t T = fresh.size(1), need = past + T;
        if (!buffer.defined() || buffer.size(1) < need || buffer.size(0) != fresh.size(0)) {
            const int64_t old = buffer.defined() ? buffer.size(1) : 0;
            const int64_t capacity = std::max({need, reserve, 2 * old});
            at::Tensor grown = at::empty({fresh.size(0), capacity, fresh.size(2)}, fresh.options());
            if (past > 0) grown.narrow(1, 0, past).copy_(buffer.narrow(1, 0, past));
            buffer = grown;
        }
        buffer.narrow(1, past, T).copy_(fresh);
        return buffer.narrow(1, 0, need);
    }
};

// Grouped-query attention without materialising repeated K/V: the `rep` query heads that
// share a KV head are stacked along the sequence axis, so one 3-D bmm serves them all.
// (4-D at::matmul with a transposed operand was measured 10x slower than bmm here.)
at::Tensor attention(const ModelConfig& c, const AttentionWeights& w, const at::Tensor& x,
                     const RopeTable& rope, const at::Tensor& mask, const CacheSlot& cache) {
    const int64_t B = x.size(0), T = x.size(1), hd = c.headDim;
    const int64_t nH = c.numHeads, nKV = c.numKvHeads, rep = nH / nKV;
    // RoPE in (B,T,heads,hd) layout; head h = kv·rep + r.
    const at::Tensor q = applyRope(linear(x, w.wq, w.bq).view({B, T, nH, hd}), rope)
                             .view({B, T, nKV, rep, hd})
                             .permute({0, 2, 3, 1, 4})
                             .reshape({B * nKV, rep * T, hd});  // (B·nKV, rep·T, hd)
    at::Tensor k = applyRope(linear(x, w.wk, w.bk).view({B, T, nKV, hd}), rope)
                       .permute({0, 2, 1, 3})
                       .reshape({B * nKV, T, hd});  // (B·nKV, T, hd)
    at::Tensor v = linear(x, w.wv, w.bv)
                       .view({B, T, nKV, hd})
                       .permute({0, 2, 1, 3})
                       .reshape({B * nKV, T, hd});  // (B·nKV, T, hd)
    if (cache.keys != nullptr) {  // incremental decoding: keys/values of P+T positions
        k = cache.append(*cache.keys, k);
        v = cache.append(*cache.values, v);
    }
    const int64_t S = k.size(1);  // key positions: P + T
    // scores = mask + q kᵀ / √hd in one kernel: (B·nKV, rep·T, S)
    const at::Tensor stackedMask = rep == 1 ? mask : mask.repeat({rep, 1});
    at::Tensor scores = at::baddbmm(stackedMask.expand({B * nKV, rep * T, S}), q, k.transpose(1, 2),
                                    1.0, 1.0 / std::sqrt(static_cast<double>(hd)));
    const at::Tensor probs = scores.scalar_type() == at::kFloat
                                 ? at::softmax(scores, -1)
                                 : at::softmax(scores, -1, at::kFloat).to(scores.scalar_type());
    const at::Tensor out = at::bmm(probs, v)  // (B·nKV, rep·T, hd)
                               .view({B, nKV, rep, T, hd})
                               .permute({0, 3, 1, 2, 4})
                               .reshape({B, T, nH * hd});  // (B, T, nH·hd)
    return linear(out, w.wo, w.bo);                        // (B, T, d)
}

at::Tensor swiglu(const MlpWeights& w, const at::Tensor& x) {
    at::Tensor g = linear(x, w.gate, w.bgate);  // (B,T,ff)
    if (g.requires_grad()) {  // autograd (Taylor scores) cannot differentiate in-place SiLU
        return linear(at::silu(g) * linear(x, w.up, w.bup), w.down, w.bdown);
    }
    at::silu_(g);
    g.mul_(linear(x, w.up, w.bup));
    return linear(g, w.down, w.bdown);  // (B,T,d)
}

}  // namespace

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    const at::Tensor xf = x.scalar_type() == at::kDouble ? x : x.to(at::kFloat);
    const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
    return inType(weight, x.scalar_type()) * normed.to(x.scalar_type());
}

at::Tensor embedTokens(const Model& model, const at::Tensor& ids) {
    if (ids.dim() != 2) throw Error("forward: token ids must have shape (batch, T)");
    const int64_t V = model.config.vocabSize;
    if (ids.numel() > 0) {
        const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
        if (lo < 0 || hi >= V) {
            throw Error("forward: token id " + std::to_string(lo < 0 ? lo : hi) +
                        " outside the vocabulary [0," + std::to_string(V) + ")");
        }
    }
    return inComputeType(model, at::embedding(model.embed, ids.to(model.embed.device())));  // (B,T,d)
}

int64_t KvCache::bytes() const {
    int64_t n = 0;
    for (const auto* list : {&keys, &values}) {
        for (const at::Tensor& t : *list) {
            if (t.defined()) n += t.numel() * static_cast<int64_t>(t.element_size());
        }
    }
    return n;
}

at::Tensor runBlocks(const Model& model, at::Tensor h, int64_t begin, int64_t end,
                     const Ablation& ablation, const Taps* taps, int64_t startPos,
                     KvCache* cache) {
    const ModelConfig& c = model.config;
    if (begin < 0 || end > model.numLayers() || begin > end) {
        throw Error("forward: block range [" + std::to_string(begin) + "," + std::to_string(end) +
                    ") outside the model's " + std::to_string(model.numLayers()) + " blocks");
    }
    const int64_t T = h.size(1);
    const int64_t past = cache != nullptr ? cache->length() : 0;
    if (cache != nullptr) {
        if (begin != 0 || end != model.numLayers()) {
            throw Error("forward: a KV cache needs the whole model's blocks, not [" + std::to_string(begin) +
                        "," + std::to_string(end) + ")");
        }
        if (startPos != past) {
            throw Error("forward: startPos " + std::to_string(startPos) +
                        " differs from the KV cache length " + std::to_string(past));
        }
        cache->keys.resize(static_cast<std::size_t>(model.numLayers()));
        cache->values.resize(static_cast<std::size_t>(model.numLayers()));
    }
    const RopeTable rope = makeRopeTable(c, T, h.options(), startPos);
    const at::Tensor mask = causalMask(T, past, c.slidingWindow, h.options());
    for (int64_t i = begin; i < end; ++i) {
        tap(taps, i, TapSite::Residual, h);
        const BlockWeights& b = model.blocks[static_cast<std::size_t>(i)];
        if (!ablation.attnRemoved(i) && b.hasAttention()) {
            const auto slot = static_cast<std::size_t>(i);
            CacheSlot kv;
            if (cache != nullptr) kv = {&cache->keys[slot], &cache->values[slot], past, cache->reserve};
            const at::Tensor a =
                attention(c, b.attn, rmsNorm(h, b.attn.norm, c.rmsNormEps), rope, mask, kv);
            tap(taps, i, TapSite::AttnOut, a);
            h = h + a;
        }
        if (!ablation.mlpRemoved(i) && b.hasMlp()) {
            const at::Tensor m = swiglu(b.mlp, rmsNorm(h, b.mlp.norm, c.rmsNormEps));
            tap(taps, i, TapSite::MlpOut, m);
            h = h + m;
        }
    }
    tap(taps, end, TapSite::Residual, h);
    if (cache != nullptr) cache->filled = past + T;
    return h;
}

at::Tensor finalNorm(const Model& model, const at::Tensor& h) {
    return rmsNorm(h, model.finalNorm, model.config.rmsNormEps);
}

at::Tensor lmLogits(const Model& model, const at::Tensor& h) {
    return at::linear(finalNorm(model, h), inComputeType(model, model.lmHead));
}

at::Tensor nextTokenNll(const Model& model, const at::Tensor& h, const at::Tensor& ids) {
    const int64_t B = h.size(0), T = h.size(1);
    if (T < 2) return at::empty({B, 0}, h.options().dtype(at::kFloat));
    const at::Tensor normed = finalNorm(model, h.narrow(1, 0, T - 1)).reshape({B * (T - 1), -1});
    const at::Tensor targets = ids.narrow(1, 1, T - 1).reshape({B * (T - 1)}).to(h.device());
    // 16 MB of float32 logits per chunk: memory stays flat for 128k vocabularies and the
    // buffer stays under malloc's mmap threshold, so it is reused (see configureRuntime).
    const int64_t rows = std::max<int64_t>(1, (int64_t{4} << 20) / model.config.vocabSize);
    const at::Tensor head = inType(model.lmHead, normed.scalar_type());  // converted once, not per chunk
    std::vector<at::Tensor> parts;
    for (int64_t r = 0; r < B * (T - 1); r += rows) {
        const int64_t n = std::min(rows, B * (T - 1) - r);
        at::Tensor logits = at::linear(normed.narrow(0, r, n), head);  // (n, V)
        if (logits.scalar_type() != at::kDouble) logits = logits.to(at::kFloat);  // bf16 → f32
        const at::Tensor logp = at::log_softmax(logits, -1);
        parts.push_back(-logp.gather(1, targets.narrow(0, r, n).unsqueeze(1)).squeeze(1));
    }
    return at::cat(parts).view({B, T - 1});
}

at::Tensor forwardLogits(const Model& model, const at::Tensor& ids, const Ablation& ablation,
                         const Taps* taps) {
    at::Tensor h = runBlocks(model, embedTokens(model, ids), 0, model.numLayers(), ablation, taps);
    return lmLogits(model, h);
}

}  // namespace lamina
