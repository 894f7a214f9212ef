#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "data/token_windows.h"
#include "model/model.h"
#include "pruning/merge_formula.h"

namespace lamina {

/// A window of original blocks [first, last] merged into one block.
struct SlmWindow {
    int64_t first = 0;
    int64_t last = 0;
    bool operator<(const SlmWindow& o) const { return std::tie(first, last) < std::tie(o.first, o.last); }
    bool operator==(const SlmWindow& o) const { return first == o.first && last == o.last; }
};

/// The similarity oracle of SLM (internal to slm.cpp). Holds what every tentative merge
/// reuses: the original model's residual streams h_low (blocks below a window are always the
/// original ones, because commits only happen above it) and its final-normed last hidden
/// states as unit vectors. Similarities are memoised by (committed merges, window).
class SlmEvaluator {
public:
    /// Keeping h_i of every layer costs N·T·d per layer; beyond this budget only every k-th
    /// layer is kept and the blocks in between are recomputed.
    static constexpr int64_t kResidualBudgetBytes = int64_t{1} << 30;

    /// Runs the original model once over `calibration` (chunks of `batch` windows), keeping
    /// h_i for i in [lowest, highest). `poll` is called after every chunk forward; it may throw
    /// (cancellation).
    SlmEvaluator(const Model& model, const TokenWindows& calibration, MergeFormula formula,
                 int64_t lowest, int64_t highest, int64_t batch, std::function<void()> poll,
                 int64_t residualBudgetBytes = kResidualBudgetBytes);

    int64_t residualStride() const { return mStride; }

    /// Mean cosine over all calibration tokens between the original model's final-normed last
    /// hidden states and those of the model with `committed` merges (all above `high`) plus
    /// blocks [low, high] merged, clamped to [−1, 1]. `fresh` (optional) tells whether it had
    /// to be computed.
    double similarity(const std::vector<SlmWindow>& committed, int64_t low, int64_t high,
                      bool* fresh = nullptr);

    /// The original model with `merges` (disjoint windows) applied; weights shared where unchanged.
    Model mergedModel(const std::vector<SlmWindow>& merges);

private:
    Model buildModel(const std::vector<SlmWindow>& committed, const SlmWindow* tentative);
    at::Tensor residualAt(int64_t layer, std::size_t chunk) const;

    const Model& mModel;
    MergeFormula mFormula;
    int64_t mLowest = 0;
    int64_t mStride = 1;  ///< residual streams are kept at lowest, lowest + stride, ...
    std::function<void()> mPoll;
    std::vector<std::vector<at::Tensor>> mResidual;  // [chunk][k]: h_{lowest + k·stride} (n, T, d)
    std::vector<at::Tensor> mTargetUnit;  // [chunk]: original final-normed states / their norm (n, T, d), float64
    int64_t mTokens = 0;
    std::map<SlmWindow, BlockWeights> mMergedBlocks;  // committed merges of the latest state
    std::map<std::pair<std::vector<SlmWindow>, SlmWindow>, double> mMemo;
};

}  // namespace lamina
