#include "pruning/slm_evaluator.h"

#include <algorithm>
#include <utility>

#include "common/error.h"
#include "model/forward.h"
#include "pruning/merge.h"

namespace lamina {

SlmEvaluator::SlmEvaluator(const Model& model, const TokenWindows& calibration,
                           MergeFormula formula, int64_t lowest, int64_t highest, int64_t batch,
                           std::function<void()> poll, int64_t residualBudgetBytes)
    : mModel(model), mFormula(formula), mLowest(lowest), mPoll(std::move(poll)) {
    const int64_t N = calibration.numWindows, T = calibration.seqLen;
    const int64_t layerBytes =
        N * T * model.config.hiddenSize * static_cast<int64_t>(c10::elementSize(model.computeType));
    const int64_t layers = highest - lowest;  // possible `low`s: [lowest, highest)
    const int64_t budget = std::max<int64_t>(1, residualBudgetBytes);
    mStride = std::clamp<int64_t>((layers * layerBytes + budget - 1) / budget, 1, std::max<int64_t>(1, layers));

    const at::Tensor all = at::tensor(calibration.ids, at::TensorOptions().dtype(at::kInt))
                               .to(at::kLong)
                               .view({N, T});
    for (int64_t start = 0; start < N; start += batch) {
        const int64_t n = std::min(batch, N - start);
        std::vector<at::Tensor> kept;
        Taps taps;
        taps.residual = true;
        taps.onTap = [&](const TapPoint& p, const at::Tensor& h) {
            if (p.site != TapSite::Residual || p.layer < lowest || p.layer >= highest) return;
            if ((p.layer - lowest) % mStride == 0) kept.push_back(h);  // the forward never modifies it
        };
        const at::Tensor h = runBlocks(model, embedTokens(model, all.narrow(0, start, n)), 0,
                                       model.numLayers(), {}, &taps);
        const at::Tensor target = finalNorm(model, h).to(at::kDouble);  // (n, T, d)
        mTargetUnit.push_back(target / target.pow(2).sum(-1, true).sqrt().clamp_min(1e-300));
        mResidual.push_back(std::move(kept));
        mTokens += n * T;
        if (mPoll) mPoll();
    }
}

at::Tensor SlmEvaluator::residualAt(int64_t layer, std::size_t chunk) const {
    const int64_t k = (layer - mLowest) / mStride;
    const int64_t base = mLowest + k * mStride;
    const at::Tensor& h = mResidual[chunk][static_cast<std::size_t>(k)];
    // Blocks below any window are the original ones, so the original model continues it.
    return base == layer ? h : runBlocks(mModel, h, base, layer);
}

Model SlmEvaluator::buildModel(const std::vector<SlmWindow>& committed, const SlmWindow* tentative) {
    std::vector<SlmWindow> windows = committed;
    if (tentative != nullptr) windows.push_back(*tentative);
    std::sort(windows.begin(), windows.end());
    const int64_t L = mModel.numLayers();
    for (std::size_t i = 0; i < windows.size(); ++i) {
        const SlmWindow& w = windows[i];
        if (w.first < 0 || w.last < w.first || w.last >= L ||
            (i > 0 && windows[i - 1].last >= w.first)) {
            throw Error("slm: merge windows overlap or lie outside the model");
        }
    }
    auto merge = [&](const SlmWindow& w) {
        std::vector<const BlockWeights*> blocks;
        for (int64_t l = w.first; l <= w.last; ++l) blocks.push_back(&mModel.blocks[static_cast<std::size_t>(l)]);
        return mergeBlocks(blocks, mFormula, mModel.computeType);
    };
    Model m = mModel;  // shallow: tensors are shared
    m.blocks.clear();
    m.sourceLayers.clear();
    std::map<SlmWindow, BlockWeights> kept;
    std::size_t next = 0;
    for (int64_t i = 0; i < L;) {
        if (next < windows.size() && windows[next].first == i) {
            const SlmWindow w = windows[next++];
            if (tentative != nullptr && w == *tentative) {
                m.blocks.push_back(merge(w));
            } else {  // committed merges recur in every evaluation of a state: merge once
                const auto it = mMergedBlocks.find(w);
                kept[w] = it != mMergedBlocks.end() ? it->second : merge(w);
                m.blocks.push_back(kept[w]);
            }
            m.sourceLayers.push_back(w.first);
            i = w.last + 1;
            continue;
        }
        m.blocks.push_back(mModel.blocks[static_cast<std::size_t>(i)]);
        m.sourceLayers.push_back(i);
        ++i;
    }
    mMergedBlocks = std::move(kept);
    m.config.numLayers = m.numLayers();
    return m;
}

Model SlmEvaluator::mergedModel(const std::vector<SlmWindow>& merges) {
    return buildModel(merges, nullptr);
}

double SlmEvaluator::similarity(const std::vector<SlmWindow>& committed, int64_t low, int64_t high,
                                bool* fresh) {
    const SlmWindow window{low, high};
    auto key = std::make_pair(committed, window);
    if (const auto it = mMemo.find(key); it != mMemo.end()) {
        if (fresh != nullptr) *fresh = false;
        return it->second;
    }
    for (const SlmWindow& c : committed) {
        if (c.first <= high) throw Error("slm: committed merges must lie above the window");
    }
    const Model m = buildModel(committed, &window);
    double sum = 0;
    for (std::size_t c = 0; c < mResidual.size(); ++c) {
        const at::Tensor h = runBlocks(m, residualAt(low, c), low, m.numLayers());
        const at::Tensor out = finalNorm(m, h).to(at::kDouble);                    // (n, T, d)
        const at::Tensor dot = (out * mTargetUnit[c]).sum(-1);                     // (n, T)
        const at::Tensor norm = out.pow(2).sum(-1).sqrt().clamp_min(1e-300);       // (n, T)
        sum += (dot / norm).sum().item<double>();
        if (mPoll) mPoll();
    }
    // Rounding can push a cosine a hair past ±1; thresholds live in [−1, 1].
    const double s = std::clamp(sum / static_cast<double>(mTokens), -1.0, 1.0);
    mMemo.emplace(std::move(key), s);
    if (fresh != nullptr) *fresh = true;
    return s;
}

}  // namespace lamina
