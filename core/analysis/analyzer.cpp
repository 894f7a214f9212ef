#include "analysis/analyzer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "analysis/similarity_accumulator.h"
#include "analysis/unit_removal.h"
#include "analysis/weight_scores.h"
#include "common/error.h"
#include "data/calibration.h"
#include "data/window_ids.h"
#include "model/forward.h"
#include "model/page_release.h"

namespace lamina {

namespace {

bool wants(const AnalysisOptions& o, Metric metric) {
    return std::find(o.metrics.begin(), o.metrics.end(), metric) != o.metrics.end();
}

std::vector<std::string> residualLabels(int64_t L) {
    std::vector<std::string> labels;
    for (int64_t i = 0; i <= L; ++i) labels.push_back("h" + std::to_string(i));
    return labels;
}

std::vector<double> toVector(const at::Tensor& t) {
    const at::Tensor c = t.to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// Sweep A: one forward per chunk, taps feeding the similarity accumulators, BI and the
// last-token states of Gromov's angular distance.
struct TapSweep {
    std::unique_ptr<SimilarityAccumulator> residual, sublayer;
    at::Tensor biCos;                 // (3L): attn.i, mlp.i (interleaved), then block.i
    std::vector<at::Tensor> lastTokens;  // per h_i: (N, d) rows gathered over chunks
    int64_t tokens = 0;
};

// One chunk's tapped states: h_0 … h_L, and the attention and MLP outputs of each block.
struct ChunkSites {
    std::vector<at::Tensor> h, attn, mlp;
    explicit ChunkSites(int64_t L)
        : h(static_cast<std::size_t>(L + 1)), attn(static_cast<std::size_t>(L)), mlp(static_cast<std::size_t>(L)) {}
};

Taps tapsInto(ChunkSites& sites, bool attnOut, bool mlpOut, const std::function<void(int64_t)>& atBlock) {
    Taps taps;
    taps.residual = true;
    taps.attnOut = attnOut;
    taps.mlpOut = mlpOut;
    taps.onTap = [&sites, atBlock](const TapPoint& p, const at::Tensor& x) {
        const auto i = static_cast<std::size_t>(p.layer);
        (p.site == TapSite::Residual ? sites.h : p.site == TapSite::AttnOut ? sites.attn : sites.mlp)[i] = x;
        if (p.site == TapSite::Residual && atBlock) atBlock(p.layer);
    };
    return taps;
}

// Feeds one chunk's sites to the accumulators; the same arithmetic whichever order the
// sites were computed in, so both sweeps give bit-identical results.
void consumeChunk(const Model& model, const ChunkSites& c, bool needBi, bool needAngular,
                  TapSweep& sweep, std::vector<std::vector<at::Tensor>>& last) {
    const int64_t L = model.numLayers(), d = model.config.hiddenSize;
    // An absent sublayer (a pruned import) outputs exactly zero.
    auto flat = [d, &c](const at::Tensor& x) { return x.defined() ? x.reshape({-1, d}) : at::zeros_like(c.h[0]).reshape({-1, d}); };
    if (sweep.residual) {
        std::vector<at::Tensor> sites;
        for (const auto& x : c.h) sites.push_back(flat(x));
        sweep.residual->add(sites);
    }
    if (sweep.sublayer) {
        std::vector<at::Tensor> sites;
        for (int64_t i = 0; i < L; ++i) {
            sites.push_back(flat(c.attn[static_cast<std::size_t>(i)]));
            sites.push_back(flat(c.mlp[static_cast<std::size_t>(i)]));
        }
        sweep.sublayer->add(sites);
    }
    if (needBi) {  // Σ over tokens of cos(input, output) of every unit
        auto cosSum = [](const at::Tensor& a, const at::Tensor& b) {
            return at::cosine_similarity(a.to(at::kDouble), b.to(at::kDouble), -1).sum();
        };
        for (int64_t i = 0; i < L; ++i) {
            const auto k = static_cast<std::size_t>(i);
            const at::Tensor mid = c.attn[k].defined() ? c.h[k] + c.attn[k] : c.h[k];
            sweep.biCos[2 * i] += cosSum(c.h[k], mid);
            sweep.biCos[2 * i + 1] += cosSum(mid, c.h[k + 1]);
            sweep.biCos[2 * L + i] += cosSum(c.h[k], c.h[k + 1]);
        }
    }
    if (needAngular) {
        for (int64_t i = 0; i <= L; ++i) {
            last[static_cast<std::size_t>(i)].push_back(c.h[static_cast<std::size_t>(i)].select(1, -1).to(at::kDouble));
        }
    }
    sweep.tokens += c.h[0].size(0) * c.h[0].size(1);
}

void runTapSweep(const Model& model, const TokenWindows& w, const AnalysisOptions& o,
                 const SimilarityOptions& sim, bool needBi, bool needAngular, int64_t batch,
                 TapSweep& sweep, const ProgressFn& progress) {
    const int64_t L = model.numLayers(), total = w.numWindows * w.seqLen;
    if (o.residual && (sim.linear || sim.unbiased || sim.rbf || sim.cosine)) {
        sweep.residual = std::make_unique<SimilarityAccumulator>(L + 1, total, sim);
    }
    if (o.sublayer && (sim.linear || sim.unbiased || sim.rbf || sim.cosine)) {
        sweep.sublayer = std::make_unique<SimilarityAccumulator>(2 * L, total, sim);
    }
    sweep.biCos = at::zeros({3 * L}, at::kDouble);
    const bool attnOut = needBi || sweep.sublayer != nullptr, mlpOut = sweep.sublayer != nullptr;
    const at::Tensor all = windowIds(w);
    const int64_t chunks = (w.numWindows + batch - 1) / batch;
    auto chunkIds = [&](int64_t c) {
        return all.narrow(0, c * batch, std::min(batch, w.numWindows - c * batch));
    };
    std::vector<std::vector<at::Tensor>> last(static_cast<std::size_t>(L + 1));
    // Progress (and so cancellation) per block: one chunk can be the whole calibration set.
    reportProgress(progress, 0, chunks * L);
    if (!o.layerByLayer) {  // each chunk through all blocks: every weight read once per chunk
        for (int64_t c = 0; c < chunks; ++c) {
            ChunkSites sites(L);
            const Taps taps = tapsInto(sites, attnOut, mlpOut, [&](int64_t layer) {
                if (layer > 0 && layer < L) reportProgress(progress, c * L + layer, chunks * L);
            });
            const at::Tensor ids = chunkIds(c);
            runBlocks(model, embedTokens(model, ids), 0, L, {}, &taps);
            consumeChunk(model, sites, needBi, needAngular, sweep, last);
            reportProgress(progress, (c + 1) * L, chunks * L);
        }
    } else {  // every chunk through block i, then i + 1, ...: one block's weights resident
        std::vector<ChunkSites> sites(static_cast<std::size_t>(chunks), ChunkSites(L));
        std::vector<at::Tensor> state;
        for (int64_t c = 0; c < chunks; ++c) state.push_back(embedTokens(model, chunkIds(c)));
        releaseMappedPages({model.embed});
        for (int64_t i = 0; i < L; ++i) {
            for (int64_t c = 0; c < chunks; ++c) {  // taps land at indices i and i + 1
                const Taps taps = tapsInto(sites[static_cast<std::size_t>(c)], attnOut, mlpOut, {});
                auto& h = state[static_cast<std::size_t>(c)];
                h = runBlocks(model, h, i, i + 1, {}, &taps);
                reportProgress(progress, i * chunks + c + 1, chunks * L);
            }
            releaseBlockPages(model.blocks[static_cast<std::size_t>(i)]);
        }
        state.clear();
        for (const ChunkSites& s : sites) consumeChunk(model, s, needBi, needAngular, sweep, last);
    }
    if (needAngular) {
        for (auto& rows : last) sweep.lastTokens.push_back(at::cat(rows, 0));
    }
}

// The similarity matrices of one accumulator, labelled, with their cache-key parameters.
void emitSimilarities(SimilarityAccumulator* acc, const std::string& rep, const std::vector<std::string>& labels,
                      const AnalysisOptions& o, const std::string& dtype, AnalysisOutput& out) {
    if (!acc) return;
    for (auto& [measure, matrix] : acc->finish()) {
        SimilarityMatrix m;
        m.measure = measure;
        m.representation = rep;
        m.labels = labels;
        m.values = toVector(matrix);
        m.tokens = measure == "cka_linear" ? acc->exactTokens()
                   : measure == "cka_rbf"  ? acc->rbfTokens()
                                           : acc->tokensSeen();
        // angular_distance comes with cosine and shares its parameters.
        const Metric keyMeasure = measure == "angular_distance" ? Metric::Cosine : parseMetric(measure);
        m.parameters = similarityParameters(keyMeasure, rep, o, dtype);
        out.similarities.push_back(std::move(m));
    }
}

ImportanceScores importance(Metric metric, const std::vector<Unit>& units, std::vector<int64_t> shape,
                            std::vector<double> values, const AnalysisOptions& o, const std::string& dtype) {
    ImportanceScores s;
    s.metric = metricName(metric);
    s.units = unitLabels(units);
    s.shape = std::move(shape);
    s.values = std::move(values);
    s.parameters = analysisParameters(metric, o, dtype);
    return s;
}

// Gromov et al.: row n−1 holds the mean angular distance between h_l and h_{l+n} (last tokens).
ImportanceScores angularScores(const TapSweep& sweep, int64_t L, const AnalysisOptions& o, const std::string& dtype) {
    const int64_t maxSpan = o.angularMaxSpan > 0 ? std::min(o.angularMaxSpan, L) : L;
    std::vector<double> values(static_cast<std::size_t>(maxSpan * L), std::numeric_limits<double>::quiet_NaN());
    for (int64_t n = 1; n <= maxSpan; ++n) {
        for (int64_t l = 0; l + n <= L; ++l) {
            const at::Tensor cos = at::cosine_similarity(sweep.lastTokens[static_cast<std::size_t>(l)],
                                                         sweep.lastTokens[static_cast<std::size_t>(l + n)], -1)
                                       .clamp(-1, 1);
            values[static_cast<std::size_t>((n - 1) * L + l)] = (at::acos(cos) / M_PI).mean().item<double>();
        }
    }
    return importance(Metric::Angular, blockUnits(L), {maxSpan, L}, std::move(values), o, dtype);
}

SimilarityOptions similarityOptions(const AnalysisOptions& o) {
    SimilarityOptions sim;
    sim.linear = wants(o, Metric::CkaLinear);
    sim.unbiased = wants(o, Metric::CkaUnbiased);
    sim.rbf = wants(o, Metric::CkaRbf);
    sim.cosine = wants(o, Metric::Cosine);
    sim.rbfSigmaFraction = o.rbfSigmaFraction;
    sim.minibatchTokens = o.minibatchTokens;
    sim.maxExactTokens = o.maxExactTokens;
    sim.maxRbfTokens = o.maxRbfTokens;
    return sim;
}

std::vector<Unit> everyUnit(int64_t L) {
    std::vector<Unit> units = sublayerUnits(L);
    for (const Unit& u : blockUnits(L)) units.push_back(u);
    return units;
}

// Sweep A's results: similarity matrices, BI and Gromov's angular distance.
void tapMetrics(const Model& model, const TokenWindows& w, const AnalysisOptions& o, const std::string& dtype,
                int64_t batch, AnalysisOutput& out, const ProgressFn& progress) {
    const int64_t L = model.numLayers();
    const SimilarityOptions sim = similarityOptions(o);
    const bool needBi = wants(o, Metric::Bi), needAngular = wants(o, Metric::Angular);
    TapSweep sweep;
    runTapSweep(model, w, o, sim, needBi, needAngular, batch, sweep, progress);
    emitSimilarities(sweep.residual.get(), "residual", residualLabels(L), o, dtype, out);
    emitSimilarities(sweep.sublayer.get(), "sublayer", unitLabels(sublayerUnits(L)), o, dtype, out);
    if (needBi) {
        out.importances.push_back(importance(Metric::Bi, everyUnit(L), {3 * L},
                                             toVector(1.0 - sweep.biCos / static_cast<double>(sweep.tokens)), o, dtype));
    }
    if (needAngular) out.importances.push_back(angularScores(sweep, L, o, dtype));
}

// ppl_drop and js_drop: every sublayer's and block's removal, from one scoring pass.
void removalMetrics(const Model& model, const TokenWindows& w, const AnalysisOptions& o, const std::string& dtype,
                    int64_t batch, AnalysisOutput& out, const ProgressFn& progress) {
    const std::vector<Unit> units = everyUnit(model.numLayers());
    RemovalOptions removal;
    removal.batchWindows = batch;
    removal.layerByLayer = o.layerByLayer;
    const UnitRemovalScores r = scoreUnitRemovals(model, w, units, removal, progress);
    for (const Metric metric : {Metric::PplDrop, Metric::JsDrop}) {
        if (!wants(o, metric)) continue;
        ImportanceScores s = importance(metric, units, {static_cast<int64_t>(units.size())},
                                        metric == Metric::PplDrop ? r.perplexity : r.divergence, o, dtype);
        s.extras["base_ppl"] = r.basePerplexity;
        out.importances.push_back(std::move(s));
    }
}

ImportanceScores weightImportance(Metric metric, const WeightScores& ws, const AnalysisOptions& o,
                                  const std::string& dtype) {
    return importance(metric, ws.units, {static_cast<int64_t>(ws.units.size())}, ws.values, o, dtype);
}

}  // namespace

AnalysisOutput runAnalysis(const Model& model, const CalibrationSet& calibration,
                           const AnalysisOptions& o, const ProgressFn& progress) {
    const TokenWindows& w = calibration.windows;
    if (w.numWindows == 0) throw Error("analysis: the calibration set is empty");
    const int64_t L = model.numLayers();
    const std::string dtype = computeDtypeName(computeDtypeOf(model));
    const int64_t batch = autoBatchWindows(w, model.config.vocabSize, o.batchWindows);
    const SimilarityOptions sim = similarityOptions(o);
    const bool needTaps = sim.linear || sim.unbiased || sim.rbf || sim.cosine || wants(o, Metric::Bi) ||
                          wants(o, Metric::Angular);
    const bool needRemoval = wants(o, Metric::PplDrop) || wants(o, Metric::JsDrop);
    const bool needTaylor = wants(o, Metric::Taylor);

    // Stage weights in block-forward equivalents.
    const double chunks = std::ceil(static_cast<double>(w.numWindows) / batch);
    StagedProgress stages(progress, {needTaps ? chunks * L : 0.0,
                                     needRemoval ? chunks * (L + 1.5 * L * (L + 1)) : 0.0,
                                     needTaylor ? chunks * 3.0 * L : 0.0});
    AnalysisOutput out;
    if (needTaps) tapMetrics(model, w, o, dtype, batch, out, stages.stage(0));
    if (needRemoval) removalMetrics(model, w, o, dtype, batch, out, stages.stage(1));
    if (needTaylor) {
        // Backward keeps every activation of the chunk: ~256 tokens per pass bounds that.
        const int64_t taylorBatch = std::clamp<int64_t>(256 / w.seqLen, 1, batch);
        out.importances.push_back(
            weightImportance(Metric::Taylor, taylorScores(model, w, o.normPower, taylorBatch, stages.stage(2)), o, dtype));
    }
    if (wants(o, Metric::Magnitude)) {
        out.importances.push_back(weightImportance(Metric::Magnitude, magnitudeScores(model, o.normPower), o, dtype));
    }
    return out;
}

}  // namespace lamina
