#include "pruning/slm.h"

#include <limits>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "eval/perplexity.h"
#include "pruning/merge.h"
#include "pruning/slm_evaluator.h"

namespace lamina {

namespace {

// Calibration windows per forward when the caller leaves it to us: ~2k tokens keeps the
// activations small and the matrix products wide enough.
constexpr int64_t kAutoBatchTokens = 2048;

struct Range {
    int64_t lowest = 0;
    int64_t highest = 0;
    int64_t batch = 1;
};

Range checkOptions(const Model& model, const TokenWindows& calibration, const SlmOptions& o,
                   bool checkThreshold) {
    const int64_t L = model.numLayers();
    if (checkThreshold && !(o.threshold >= -1.0 && o.threshold <= 1.0)) {
        throw Error("slm: threshold " + std::to_string(o.threshold) + " outside [-1, 1]");
    }
    if (!model.sourceLayers.empty()) throw Error("slm: the model must be unpruned");
    const int64_t highest = o.highest == -1 ? L - 2 : o.highest;
    if (o.lowest < 0 || highest <= o.lowest || highest > L - 1) {
        throw Error("slm: protected range [" + std::to_string(o.lowest) + ", " +
                    std::to_string(highest) + "] must satisfy 0 <= lowest < highest <= " +
                    std::to_string(L - 1) + " (the model has " + std::to_string(L) + " blocks)");
    }
    if (calibration.numWindows <= 0 || calibration.seqLen <= 0 ||
        static_cast<int64_t>(calibration.ids.size()) != calibration.numWindows * calibration.seqLen) {
        throw Error("slm: the calibration set is empty or inconsistent");
    }
    if (o.batchWindows < 0) throw Error("slm: batchWindows must be >= 0");
    const int64_t batch = o.batchWindows > 0
                              ? o.batchWindows
                              : std::max<int64_t>(1, kAutoBatchTokens / calibration.seqLen);
    return {o.lowest, highest, std::min(batch, calibration.numWindows)};
}

using Oracle = std::function<double(const std::vector<SlmWindow>& committed, int64_t low, int64_t high)>;

struct SlmPath {
    std::vector<SlmMerge> merges;
    std::vector<double> compared;  ///< every similarity compared with the threshold
};

// The decision procedure. ref: arXiv 2502.19159 (Sliding Layer Merging), methods.md: top-down
// window [low..high]; extend while the merged model stays similar, else commit the last
// accepted window and restart below it.
SlmPath decide(double threshold, int64_t lowest, int64_t highest, const Oracle& similarity) {
    SlmPath path;
    std::vector<SlmWindow> committed;
    auto commit = [&](int64_t first, int64_t last, double s) {
        committed.push_back({first, last});
        path.merges.push_back({first, last, s});
    };
    int64_t high = highest, low = high - 1;
    std::optional<double> accepted;  // similarity of [low+1..high] when it spans >= 2 blocks
    while (low >= lowest) {
        const double s = similarity(committed, low, high);
        path.compared.push_back(s);
        if (s > threshold) {
            accepted = s;
            --low;
        } else {
            if (accepted) commit(low + 1, high, *accepted);
            high = low;
            low = high - 1;
            accepted.reset();
        }
    }
    if (accepted) commit(low + 1, high, *accepted);  // the window reached the lower bound
    return path;
}

// A window over a block that lacks a sublayer (a pruned import) cannot be merged: its
// similarity reads as NaN, never above a threshold, so the window closes there.
bool mergeable(const Model& model, int64_t low, int64_t high) {
    for (int64_t i = low; i <= high; ++i) {
        const BlockWeights& b = model.blocks[static_cast<std::size_t>(i)];
        if (!b.hasAttention() || !b.hasMlp()) return false;
    }
    return true;
}

std::vector<SlmWindow> windowsOf(const std::vector<SlmMerge>& merges) {
    std::vector<SlmWindow> w;
    for (const SlmMerge& m : merges) w.push_back({m.first, m.last});
    return w;
}

}  // namespace

SlmResult runSlm(const Model& model, const TokenWindows& calibration, const SlmOptions& options,
                 const ProgressFn& progress) {
    const Range r = checkOptions(model, calibration, options, true);
    // Units: one per evaluated window (exactly highest − lowest), one per perplexity (the base
    // and at most one per commit; a commit spans >= 2 blocks).
    const int64_t evaluations = r.highest - r.lowest;
    const int64_t maxCommits = (r.highest - r.lowest + 1) / 2;
    const int64_t total = evaluations + 1 + maxCommits;
    int64_t done = 0;
    reportProgress(progress, done, total);
    const auto poll = [&] { reportProgress(progress, done, total); };
    const ProgressFn pollFn = [&](int64_t, int64_t) { return !progress || progress(done, total); };

    SlmEvaluator evaluator(model, calibration, options.formula, r.lowest, r.highest, r.batch, poll);
    const SlmPath path = decide(options.threshold, r.lowest, r.highest,
                                [&](const std::vector<SlmWindow>& committed, int64_t low, int64_t high) {
                                    const double s = mergeable(model, low, high)
                                                         ? evaluator.similarity(committed, low, high)
                                                         : std::numeric_limits<double>::quiet_NaN();
                                    reportProgress(progress, ++done, total);
                                    return s;
                                });

    SlmResult result;
    result.merges = path.merges;
    Trajectory& t = result.trajectory;
    t.method = "slm";
    t.scoreName = "similarity";
    t.parameters = nlohmann::json{{"threshold", options.threshold},
                                  {"formula", mergeFormulaName(options.formula)},
                                  {"lowest", r.lowest},
                                  {"highest", r.highest}}
                       .dump();
    t.basePerplexity = evaluatePerplexity(model, calibration, {}, r.batch, pollFn).perplexity;
    reportProgress(progress, ++done, total);
    std::vector<SlmMerge> sofar;
    for (const SlmMerge& m : path.merges) {
        sofar.push_back(m);
        TrajectoryStep step;
        step.kind = StepKind::Merge;
        step.layer = m.first;
        step.lastLayer = m.last;
        step.score = m.similarity;
        const Model merged = evaluator.mergedModel(windowsOf(sofar));
        step.perplexity = evaluatePerplexity(merged, calibration, {}, r.batch, pollFn).perplexity;
        t.steps.push_back(step);
        reportProgress(progress, ++done, total);
    }
    accumulateRemovals(t, model.config);
    reportProgress(progress, total, total);
    return result;
}

std::vector<SlmSweepEntry> sweepSlm(const Model& model, const TokenWindows& calibration,
                                    const SlmOptions& options, const ProgressFn& progress) {
    const Range r = checkOptions(model, calibration, options, false);
    // Progress: how far the search has come down the threshold scale from 1 to −1 (monotone,
    // as intervals are found from the top).
    constexpr int64_t kScale = 1000000;
    int64_t done = 0;
    const auto position = [&](double t) {
        const double f = std::clamp((1.0 - t) / 2.0, 0.0, 1.0);
        done = std::max(done, static_cast<int64_t>(std::floor(f * kScale)));
    };
    reportProgress(progress, done, kScale);
    SlmEvaluator evaluator(model, calibration, options.formula, r.lowest, r.highest, r.batch,
                           [&] { reportProgress(progress, done, kScale); });
    const Oracle similarity = [&](const std::vector<SlmWindow>& committed, int64_t low, int64_t high) {
        if (!mergeable(model, low, high)) return std::numeric_limits<double>::quiet_NaN();
        bool fresh = false;
        const double s = evaluator.similarity(committed, low, high, &fresh);
        if (fresh) reportProgress(progress, done, kScale);
        return s;
    };

    // A run at T compares its similarities S with T, so every T' on the same side of each s
    // gives the same run: [max{s ∈ S: s <= T}, min{s ∈ S: s > T}). Walk down from above 1.
    std::vector<SlmSweepEntry> entries;
    double upper = std::nextafter(1.0, 2.0);
    while (true) {
        const double threshold = std::nextafter(upper, -2.0);
        const SlmPath path = decide(threshold, r.lowest, r.highest, similarity);
        double lower = -1.0;
        for (double s : path.compared) {
            if (s <= threshold) lower = std::max(lower, s);
        }
        const bool same = !entries.empty() && windowsOf(entries.back().merges) == windowsOf(path.merges);
        if (same) {
            entries.back().thresholdLow = lower;
        } else {
            SlmSweepEntry e;
            e.thresholdLow = lower;
            e.thresholdHigh = upper;
            e.merges = path.merges;
            for (const SlmMerge& m : path.merges) e.removedBlocks += m.last - m.first;
            entries.push_back(std::move(e));
        }
        position(lower);
        reportProgress(progress, done, kScale);
        if (lower <= -1.0) break;
        upper = lower;
    }
    reportProgress(progress, kScale, kScale);
    return entries;
}

}  // namespace lamina
