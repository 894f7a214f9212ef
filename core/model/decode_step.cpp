#include "model/decode_step.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.h"
#include "common/work_team.h"
#include "model/vector_kernels.h"

namespace lamina {

namespace {

struct Projection {
    const float* w = nullptr;
    const float* bias = nullptr;
    int64_t rows = 0, cols = 0;
};

struct BlockRows {
    bool attention = false, mlp = false;
    const float* attnNorm = nullptr;
    Projection q, k, v, o;
    const float* mlpNorm = nullptr;
    Projection gate, up, down;
};

// RMSNorm of B rows of length d, accumulated in double (as runBlocks' float32 path, to rounding).
void rmsNormRows(float* out, const float* x, const float* weight, int64_t B, int64_t d, double eps) {
    for (int64_t b = 0; b < B; ++b) {
        const float* row = x + b * d;
        double sum = 0;
        for (int64_t j = 0; j < d; ++j) sum += static_cast<double>(row[j]) * row[j];
        const auto scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(d) + eps));
        for (int64_t j = 0; j < d; ++j) out[b * d + j] = weight[j] * (row[j] * scale);
    }
}

// Rotate-half RoPE in place on one head vector of length hd (Hugging Face layout).
void ropeHead(float* v, int64_t hd, const float* cos, const float* sin) {
    const int64_t half = hd / 2;
    for (int64_t j = 0; j < half; ++j) {
        const float x1 = v[j], x2 = v[j + half];
        v[j] = x1 * cos[j] - x2 * sin[j];
        v[j + half] = x2 * cos[j + half] + x1 * sin[j + half];
    }
}

}  // namespace

struct DecodeStepper::Impl {
    const Model& model;
    int64_t B;
    WorkTeam team;
    std::vector<at::Tensor> owned;  // float32 copies of weights stored in another type
    std::vector<BlockRows> blocks;
    const float* finalNorm = nullptr;
    Projection head;
    int64_t maxFf = 0;
    // Work buffers: residual x (B, d), per-worker normed rows, projections, attention output.
    std::vector<float> x, normed, q, heads, act, up, scores;
    int64_t scoresPerWorker = 0;

    Impl(const Model& m, int64_t batch, int threads) : model(m), B(batch), team(threads) {
        for (const BlockWeights& blk : m.blocks) {
            BlockRows r;
            r.attention = blk.hasAttention();
            r.mlp = blk.hasMlp();
            if (r.attention) {
                r.attnNorm = floats(blk.attn.norm);
                r.q = projection(blk.attn.wq, blk.attn.bq);
                r.k = projection(blk.attn.wk, blk.attn.bk);
                r.v = projection(blk.attn.wv, blk.attn.bv);
                r.o = projection(blk.attn.wo, blk.attn.bo);
            }
            if (r.mlp) {
                r.mlpNorm = floats(blk.mlp.norm);
                r.gate = projection(blk.mlp.gate, blk.mlp.bgate);
                r.up = projection(blk.mlp.up, blk.mlp.bup);
                r.down = projection(blk.mlp.down, blk.mlp.bdown);
                maxFf = std::max(maxFf, r.gate.rows);
            }
            blocks.push_back(r);
        }
        finalNorm = floats(m.finalNorm);
        head = projection(m.lmHead, at::Tensor());
        const ModelConfig& c = m.config;
        const auto n = [&](int64_t per) { return static_cast<std::size_t>(B * per); };
        x.resize(n(c.hiddenSize));
        normed.resize(n(c.hiddenSize) * static_cast<std::size_t>(team.size()));
        q.resize(n(c.qDim()));
        heads.resize(n(c.qDim()));
        act.resize(n(maxFf));
        up.resize(n(maxFf));
    }

    const float* floats(const at::Tensor& t) {
        if (t.scalar_type() == at::kFloat && t.is_contiguous() && t.device().is_cpu()) return t.data_ptr<float>();
        owned.push_back(t.to(at::kCPU, at::kFloat).contiguous());
        return owned.back().data_ptr<float>();
    }

    Projection projection(const at::Tensor& w, const at::Tensor& bias) {
        return {floats(w), bias.defined() ? floats(bias) : nullptr, w.size(0), w.size(1)};
    }

    float* normedOf(int worker) { return normed.data() + static_cast<std::size_t>(worker * B * model.config.hiddenSize); }

    at::Tensor step(const at::Tensor& ids, KvCache& cache, const RopeTable& rope);
};

bool canDecodeStep(const Model& model) {
    return model.computeType == at::kFloat && model.embed.device().is_cpu();
}

DecodeStepper::DecodeStepper(const Model& model, int64_t batch, int threads)
    : impl_(std::make_unique<Impl>(model, batch, threads)) {}

DecodeStepper::~DecodeStepper() = default;

at::Tensor DecodeStepper::step(const at::Tensor& ids, KvCache& cache, const RopeTable& rope) {
    return impl_->step(ids, cache, rope);
}

at::Tensor DecodeStepper::Impl::step(const at::Tensor& ids, KvCache& cache, const RopeTable& rope) {
    const ModelConfig& c = model.config;
    const int64_t d = c.hiddenSize, hd = c.headDim, nH = c.numHeads, nKV = c.numKvHeads, rep = nH / nKV;
    const int64_t pos = cache.length(), qDim = c.qDim();
    if (ids.numel() != B) throw Error("decode: expected " + std::to_string(B) + " token ids per step");
    if (rope.cos.size(0) <= pos) throw Error("decode: the RoPE table ends before position " + std::to_string(pos));
    if (cache.keys.size() != blocks.size() || cache.values.size() != blocks.size()) {
        throw Error("decode: the KV cache was not filled by runBlocks for this model");
    }
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const at::Tensor& keys = cache.keys[i];
        if (blocks[i].attention && (!keys.defined() || keys.size(1) <= pos || keys.size(0) != B * nKV ||
                                    keys.scalar_type() != at::kFloat)) {
            throw Error("decode: the KV cache of block " + std::to_string(i) + " has no room for position " +
                        std::to_string(pos));
        }
    }
    const at::Tensor embedded = embedTokens(model, ids.view({B, 1})).to(at::kFloat).contiguous();
    std::copy_n(embedded.data_ptr<float>(), B * d, x.data());
    const float* cosRow = rope.cos.data_ptr<float>() + pos * hd;
    const float* sinRow = rope.sin.data_ptr<float>() + pos * hd;
    const int64_t first = c.slidingWindow ? std::max<int64_t>(0, pos - *c.slidingWindow + 1) : 0;
    const int64_t S = pos + 1 - first;  // key positions attended to
    const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
    const int W = team.size();
    if (scoresPerWorker < S) {  // room for the longest cache: sized once per generation
        for (const auto& k : cache.keys) {
            if (k.defined()) scoresPerWorker = std::max(scoresPerWorker, k.size(1));
        }
        scores.resize(static_cast<std::size_t>(scoresPerWorker * W));
    }
    float* xp = x.data();

    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const BlockRows& blk = blocks[i];
        if (blk.attention) {
            const int64_t capacity = cache.keys[i].size(1);
            float* kc = cache.keys[i].data_ptr<float>();
            float* vc = cache.values[i].data_ptr<float>();
            // Phase 1: q, k, v by heads; RoPE; k and v straight into the cache (row b·nKV + g).
            // Each worker normalises the rows itself (d values, no barrier needed for it).
            team.run([&](int w) {
                float* nx = normedOf(w);
                rmsNormRows(nx, xp, blk.attnNorm, B, d, c.rmsNormEps);
                const auto [h0, h1] = shareOf(nH + 2 * nKV, w, W);
                for (int64_t h = h0; h < h1; ++h) {
                    if (h < nH) {
                        multiplyRows(blk.q.w, blk.q.bias, d, h * hd, (h + 1) * hd, nx, B, q.data(), qDim, false);
                        for (int64_t b = 0; b < B; ++b) ropeHead(q.data() + b * qDim + h * hd, hd, cosRow, sinRow);
                        continue;
                    }
                    const bool isKey = h < nH + nKV;
                    const int64_t g = isKey ? h - nH : h - nH - nKV;
                    const Projection& p = isKey ? blk.k : blk.v;
                    float* slot = (isKey ? kc : vc) + (g * capacity + pos) * hd - g * hd;
                    // y[b·ldy + r] for rows r of head g lands at cache row (b·nKV + g), position pos.
                    multiplyRows(p.w, p.bias, d, g * hd, (g + 1) * hd, nx, B, slot, nKV * capacity * hd, false);
                    if (isKey) {
                        for (int64_t b = 0; b < B; ++b) {
                            ropeHead(kc + ((b * nKV + g) * capacity + pos) * hd, hd, cosRow, sinRow);
                        }
                    }
                }
            });
            // Phase 2: softmax attention of every (row, query head) over the cached positions.
            team.run([&](int w) {
                float* s = scores.data() + static_cast<std::size_t>(w * scoresPerWorker);
                const auto [u0, u1] = shareOf(B * nH, w, W);
                for (int64_t u = u0; u < u1; ++u) {
                    const int64_t b = u / nH, h = u % nH, g = h / rep;
                    const float* qv = q.data() + b * qDim + h * hd;
                    const float* keys = kc + ((b * nKV + g) * capacity + first) * hd;
                    const float* values = vc + ((b * nKV + g) * capacity + first) * hd;
                    attendOne(qv, keys, values, S, hd, scale, s, heads.data() + b * qDim + h * hd);
                }
            });
            // Phase 3: output projection, added to the residual stream.
            team.run([&](int w) {
                const auto [r0, r1] = shareOf(d, w, W);
                multiplyRows(blk.o.w, blk.o.bias, qDim, r0, r1, heads.data(), B, xp, d, true);
            });
        }
        if (blk.mlp) {
            const int64_t ff = blk.gate.rows;
            // Phase 4: gate and up rows, SiLU(gate)·up.
            team.run([&](int w) {
                float* nx = normedOf(w);
                rmsNormRows(nx, xp, blk.mlpNorm, B, d, c.rmsNormEps);
                const auto [r0, r1] = shareOf(ff, w, W);
                multiplyRows(blk.gate.w, blk.gate.bias, d, r0, r1, nx, B, act.data(), ff, false);
                multiplyRows(blk.up.w, blk.up.bias, d, r0, r1, nx, B, up.data(), ff, false);
                for (int64_t b = 0; b < B; ++b) {
                    for (int64_t r = r0; r < r1; ++r) {
                        float& g = act[static_cast<std::size_t>(b * ff + r)];
                        g = g / (1.0F + std::exp(-g)) * up[static_cast<std::size_t>(b * ff + r)];
                    }
                }
            });
            // Phase 5: down projection, added to the residual stream.
            team.run([&](int w) {
                const auto [r0, r1] = shareOf(d, w, W);
                multiplyRows(blk.down.w, blk.down.bias, ff, r0, r1, act.data(), B, xp, d, true);
            });
        }
    }
    cache.filled = pos + 1;
    at::Tensor logits = at::empty({B, c.vocabSize}, at::TensorOptions().dtype(at::kFloat));
    float* lp = logits.data_ptr<float>();
    team.run([&](int w) {
        float* nx = normedOf(w);
        rmsNormRows(nx, xp, finalNorm, B, d, c.rmsNormEps);
        const auto [r0, r1] = shareOf(head.rows, w, W);
        multiplyRows(head.w, nullptr, d, r0, r1, nx, B, lp, c.vocabSize, false);
    });
    return logits;
}

}  // namespace lamina
