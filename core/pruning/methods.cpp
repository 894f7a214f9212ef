#include "pruning/methods.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "analysis/analyzer.h"
#include "analysis/weight_scores.h"
#include "common/error.h"
#include "common/shared_work.h"
#include "data/calibration.h"
#include "eval/perplexity.h"
#include "model/model.h"
#include "pruning/greedy.h"
#include "pruning/shared_scoring.h"
#include "pruning/slm.h"

namespace lamina {

namespace {

std::vector<Unit> candidateUnits(const std::string& units, int64_t L, int64_t protectFirst) {
    std::vector<Unit> out;
    for (int64_t i = protectFirst; i < L; ++i) {
        if (units == "sublayer" || units == "attn") out.push_back({Unit::Kind::Attn, i});
        if (units == "sublayer" || units == "mlp") out.push_back({Unit::Kind::Mlp, i});
        if (units == "block") out.push_back({Unit::Kind::Block, i});
    }
    return out;
}

std::vector<int64_t> protectedBlocks(const PruneOptions& o, int64_t L) {
    if (o.protectedBlocksSet) return o.protectedBlocks;
    std::vector<int64_t> p = {0, 1, 2, 3, L - 2, L - 1};  // Shortened LLaMA's "+" heuristic
    p.erase(std::remove_if(p.begin(), p.end(), [L](int64_t b) { return b < 0 || b >= L; }), p.end());
    return p;
}

int64_t autoBatch(const Model& model, const TokenWindows& w, int64_t requested) {
    if (requested > 0) return requested;
    const int64_t byTokens = std::max<int64_t>(1, 1024 / w.seqLen);
    const int64_t byLogits = std::max<int64_t>(1, (int64_t{32} << 20) / (w.seqLen * model.config.vocabSize));
    return std::clamp<int64_t>(std::min(byTokens, byLogits), 1, w.numWindows);
}

const char* stepKind(Unit::Kind k) {
    return k == Unit::Kind::Attn ? "attn" : k == Unit::Kind::Mlp ? "mlp" : "block";
}

// Calibration perplexity with each of `ablations`, the evaluations independent and so shared
// among `group`'s ranks (rank r evaluates those ≡ r mod size); every rank gets every value.
std::vector<double> perplexities(const Collective* group, const Model& model, const TokenWindows& w,
                                 const std::vector<Ablation>& ablations, int64_t batch,
                                 const ProgressFn& progress) {
    const std::vector<std::size_t> mine = ownedJobs(group, ablations.size());
    std::vector<double> values;
    reportProgress(progress, 0, static_cast<int64_t>(mine.size()));
    for (const std::size_t i : mine) {
        values.push_back(evaluatePerplexity(model, w, ablations[i], batch).perplexity);
        reportProgress(progress, static_cast<int64_t>(values.size()), static_cast<int64_t>(mine.size()));
    }
    return gatherJobs(group, std::vector<std::size_t>(ablations.size(), 1), values);
}

// One-shot methods: remove `units` in ascending `scores` order, measuring the calibration PPL
// after each cumulative removal.
Trajectory inScoreOrder(const Collective* group, const Model& model, const TokenWindows& w,
                        const std::vector<Unit>& units, const std::vector<double>& scores,
                        int64_t maxSteps, int64_t batch, const ProgressFn& progress) {
    std::vector<std::size_t> order(units.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    const std::size_t steps = maxSteps > 0 ? std::min<std::size_t>(maxSteps, order.size()) : order.size();
    std::vector<Ablation> removed(steps + 1);  // [0]: the unpruned model; [k+1]: after step k
    for (std::size_t k = 0; k < steps; ++k) {
        removed[k + 1] = removed[k];
        removed[k + 1].remove(units[order[k]]);
    }
    const std::vector<double> ppl = perplexities(group, model, w, removed, batch, progress);
    Trajectory t;
    t.basePerplexity = ppl[0];
    for (std::size_t k = 0; k < steps; ++k) {
        const Unit& u = units[order[k]];
        TrajectoryStep s;
        s.kind = stepKind(u.kind);
        s.layer = s.lastLayer = u.layer;
        s.score = scores[order[k]];
        s.perplexity = ppl[k + 1];
        t.steps.push_back(s);
    }
    return t;
}

// Scores of `units` from an analysis importance vector (labels attn.i / mlp.i / block.i).
std::vector<double> scoresOf(const ImportanceScores& s, const std::vector<Unit>& units) {
    std::vector<double> out;
    for (const Unit& u : units) out.push_back(s.value(u.label()));
    return out;
}

ImportanceScores analysisMetric(const Model& model, const CalibrationSet& c, const std::string& metric,
                                int64_t batch, const ProgressFn& progress) {
    AnalysisOptions o;
    o.metrics = {metric};
    o.batchWindows = batch;
    const AnalysisOutput out = runAnalysis(model, c, o, progress);
    return out.importances.at(0);
}

}  // namespace

Trajectory runPruning(const Model& model, const CalibrationSet& calibration, const PruneOptions& o,
                      const ProgressFn& progress) {
    checkPruneOptions(o);
    const TokenWindows& w = calibration.windows;
    if (w.numWindows == 0) throw Error("pruning: the calibration set is empty");
    const int64_t L = model.numLayers();
    const int64_t batch = autoBatch(model, w, o.batchWindows);
    const std::string units = o.units.empty() ? defaultUnits(o.method) : o.units;
    const StagedProgress twoStages(progress, {1.0, 1.0});
    Trajectory t;

    if (isGreedyMethod(o.method)) {
        GreedyOptions g;
        g.candidates = candidateUnits(units, L, o.method == "finercut" ? o.protectFirst : 0);
        g.criterion = o.method == "finercut" ? GreedyCriterion::Divergence
                      : o.method == "sleb"   ? GreedyCriterion::Nll
                                             : GreedyCriterion::Perplexity;
        g.divergence = o.divergence;
        g.maxSteps = o.maxSteps;
        g.prefixReuse = o.prefixReuse;
        g.boundedSearch = o.boundedSearch;
        g.group = o.group;
        g.batchWindows = batch;
        t = greedyRemoval(model, w, g, progress);
        t.scoreName = o.method == "finercut" ? divergenceName(o.divergence)
                      : o.method == "sleb"   ? "nll"
                                             : "ppl";
    } else if (o.method == "shortened-ppl" || o.method == "shortened-taylor") {
        const std::vector<int64_t> keep = protectedBlocks(o, L);
        std::vector<Unit> blocks;
        for (const Unit& u : blockUnits(L)) {
            if (std::find(keep.begin(), keep.end(), u.layer) == keep.end()) blocks.push_back(u);
        }
        std::vector<double> scores;
        if (o.method == "shortened-ppl") {
            RemovalOptions r;
            r.batchWindows = batch;
            scores = scoreUnitsShared(o.group, model, w, blocks, r, {}, twoStages.stage(0)).perplexity;
        } else {
            const WeightScores ws = taylorScores(model, w, o.normPower,
                                                 std::clamp<int64_t>(256 / w.seqLen, 1, batch),
                                                 twoStages.stage(0));
            for (const Unit& u : blocks) {
                for (std::size_t k = 0; k < ws.units.size(); ++k) {
                    if (ws.units[k] == u) scores.push_back(ws.values[k]);
                }
            }
        }
        t = inScoreOrder(o.group, model, w, blocks, scores, o.maxSteps, batch, twoStages.stage(1));
        t.scoreName = o.method == "shortened-ppl" ? "ppl" : "taylor";
    } else if (o.method == "shortgpt" || o.method == "llm-drop") {
        // Both rank by 1 − cos(input, output): ShortGPT's Block Influence for blocks,
        // LLM-Drop's score for the chosen unit type.
        const ImportanceScores bi = analysisMetric(model, calibration, "bi", batch, twoStages.stage(0));
        const std::vector<Unit> cands = candidateUnits(units, L, 0);
        t = inScoreOrder(o.group, model, w, cands, scoresOf(bi, cands), o.maxSteps, batch, twoStages.stage(1));
        t.scoreName = "bi";
    } else if (o.method == "angular") {
        // Gromov et al.: for each span n, the start ℓ minimising the last-token angular
        // distance between h_ℓ and h_ℓ+n; each step is its own configuration.
        const ImportanceScores a = analysisMetric(model, calibration, "angular", batch, twoStages.stage(0));
        const int64_t spans = o.maxSteps > 0 ? std::min(o.maxSteps, L - 1) : L - 1;
        t.cumulative = false;
        std::vector<Ablation> configurations(1);  // [0]: the unpruned model; [n]: span n's
        for (int64_t n = 1; n <= spans; ++n) {
            int64_t best = 0;
            for (int64_t l = 1; l + n <= L; ++l) {
                if (a.values[static_cast<std::size_t>((n - 1) * L + l)] <
                    a.values[static_cast<std::size_t>((n - 1) * L + best)]) {
                    best = l;
                }
            }
            Ablation span;
            for (int64_t l = best; l < best + n; ++l) span.removeBlock(l);
            TrajectoryStep s;
            s.kind = "span";
            s.layer = best;
            s.lastLayer = best + n - 1;
            s.score = a.values[static_cast<std::size_t>((n - 1) * L + best)];
            t.steps.push_back(s);
            configurations.push_back(span);
        }
        const std::vector<double> ppl = perplexities(o.group, model, w, configurations, batch, twoStages.stage(1));
        t.basePerplexity = ppl[0];
        for (std::size_t k = 0; k < t.steps.size(); ++k) t.steps[k].perplexity = ppl[k + 1];
        t.scoreName = "angular";
    } else {  // slm
        SlmOptions s = o.slm;
        s.batchWindows = batch;
        t = runSlm(model, w, s, progress).trajectory;
    }
    t.method = o.method;
    accumulateRemovals(t, model.config);
    return t;
}

}  // namespace lamina
