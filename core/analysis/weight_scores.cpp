#include "analysis/weight_scores.h"

#include <algorithm>

#include <ATen/core/grad_mode.h>

#include "common/error.h"
#include "data/window_ids.h"
#include "model/forward.h"

namespace lamina {

namespace {

// The weight matrices (not biases) of each sublayer, in a fixed order.
std::vector<at::Tensor*> attnWeights(BlockWeights& b) {
    return {&b.attn.norm, &b.attn.wq, &b.attn.wk, &b.attn.wv, &b.attn.wo};
}
std::vector<at::Tensor*> mlpWeights(BlockWeights& b) {
    return {&b.mlp.norm, &b.mlp.gate, &b.mlp.up, &b.mlp.down};
}

double sumPow(const at::Tensor& t, int p) {
    const at::Tensor a = t.to(at::kDouble).abs();
    return (p == 1 ? a : a.pow(p)).sum().item<double>();
}

// Per-sublayer values → WeightScores in sublayerUnits + blockUnits order.
WeightScores assemble(const std::vector<double>& attn, const std::vector<double>& mlp) {
    const auto L = static_cast<int64_t>(attn.size());
    WeightScores s;
    s.units = sublayerUnits(L);
    for (int64_t i = 0; i < L; ++i) {
        s.values.push_back(attn[static_cast<std::size_t>(i)]);
        s.values.push_back(mlp[static_cast<std::size_t>(i)]);
    }
    for (const Unit& u : blockUnits(L)) {
        s.units.push_back(u);
        const auto i = static_cast<std::size_t>(u.layer);
        s.values.push_back(attn[i] + mlp[i]);
    }
    return s;
}

void checkPower(int p) {
    if (p != 1 && p != 2) throw Error("weight scores: norm power must be 1 or 2");
}

}  // namespace

WeightScores magnitudeScores(const Model& model, int normPower) {
    checkPower(normPower);
    Model copy = model;  // shallow: tensors are shared
    std::vector<double> attn, mlp;
    for (BlockWeights& b : copy.blocks) {
        double a = 0, m = 0;
        for (at::Tensor* w : attnWeights(b)) a += w->defined() ? sumPow(*w, normPower) : 0.0;
        for (at::Tensor* w : mlpWeights(b)) m += w->defined() ? sumPow(*w, normPower) : 0.0;
        attn.push_back(a);
        mlp.push_back(m);
    }
    return assemble(attn, mlp);
}

WeightScores taylorScores(const Model& model, const TokenWindows& windows, int normPower,
                          int64_t batchWindows, const ProgressFn& progress) {
    checkPower(normPower);
    if (windows.numWindows == 0) throw Error("Taylor scores: no calibration windows");
    at::AutoGradMode enableGrad(true);
    // A copy whose block weights are float32 leaves requiring gradients; they alias the
    // original storage (detach), so nothing is copied and the model stays untouched.
    Model grad = model;
    if (model.computeType == at::kBFloat16) {  // bf16 compute: differentiate in float32
        auto toFloat = [](at::Tensor& t) {
            if (t.defined()) t = t.to(at::kFloat);
        };
        toFloat(grad.embed);
        toFloat(grad.finalNorm);
        grad.lmHead = model.lmHead.is_same(model.embed) ? grad.embed : model.lmHead.to(at::kFloat);
        for (BlockWeights& b : grad.blocks) {
            for (at::Tensor* t : {&b.attn.bq, &b.attn.bk, &b.attn.bv, &b.attn.bo, &b.mlp.bgate,
                                  &b.mlp.bup, &b.mlp.bdown}) {
                toFloat(*t);
            }
        }
        grad.computeType = at::kFloat;
    }
    std::vector<at::Tensor*> leaves;
    for (BlockWeights& b : grad.blocks) {
        for (at::Tensor* w : attnWeights(b)) leaves.push_back(w);
        for (at::Tensor* w : mlpWeights(b)) leaves.push_back(w);
    }
    for (at::Tensor* w : leaves) {
        if (w->defined()) *w = w->detach().to(grad.computeType).requires_grad_(true);
    }

    const int64_t T = windows.seqLen, N = windows.numWindows;
    const at::Tensor all = windowIds(windows);
    const double totalPredicted = static_cast<double>(N * (T - 1));
    // A backward pass cannot be interrupted: chunks of at most kTaylorChunkTokens keep a
    // cancel prompt. Gradients accumulate over chunks, so only the summation order changes.
    constexpr int64_t kTaylorChunkTokens = 512;
    batchWindows = std::clamp<int64_t>(batchWindows, 1, std::max<int64_t>(1, kTaylorChunkTokens / T));
    const int64_t chunks = (N + batchWindows - 1) / batchWindows;
    reportProgress(progress, 0, chunks);
    for (int64_t c = 0; c < chunks; ++c) {
        const at::Tensor ids = all.narrow(0, c * batchWindows, std::min(batchWindows, N - c * batchWindows));
        const at::Tensor h = runBlocks(grad, embedTokens(grad, ids), 0, grad.numLayers());
        // Sum of this chunk's NLL over all tokens' count: chunks add up to the mean loss.
        const at::Tensor loss = nextTokenNll(grad, h, ids).sum() / totalPredicted;
        loss.backward();
        reportProgress(progress, c + 1, chunks);
    }
    std::vector<double> attn, mlp;
    for (BlockWeights& b : grad.blocks) {
        double a = 0, m = 0;
        // Removed sublayers (pruned models) have no weights and score 0.
        for (at::Tensor* w : attnWeights(b)) {
            if (w->defined()) a += sumPow(w->detach() * w->grad(), normPower);
        }
        for (at::Tensor* w : mlpWeights(b)) {
            if (w->defined()) m += sumPow(w->detach() * w->grad(), normPower);
        }
        attn.push_back(a);
        mlp.push_back(m);
    }
    return assemble(attn, mlp);
}

}  // namespace lamina
