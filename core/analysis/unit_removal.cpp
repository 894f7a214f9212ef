#include "analysis/unit_removal.h"

#include <cmath>
#include <limits>

#include "analysis/removal_compare.h"
#include "common/error.h"

namespace lamina {

namespace {

using removal::Compared;
using removal::Reference;
using removal::Sums;

// A chunk of windows after the base model's pass: its input, the residual stream cached at
// every block boundary (h_i) and after every attention sublayer (h_i + attn_i), and the
// reference output candidates are compared against.
struct ChunkContext {
    at::Tensor ids;
    std::vector<at::Tensor> h;    // h[0] always; all of them with prefix reuse
    std::vector<at::Tensor> mid;  // with prefix reuse
    Reference ref;
    double baseNll = 0;
};

// `known`: the chunk's reference when already computed (against the original model).
ChunkContext prepareChunk(const Model& model, const at::Tensor& head, const at::Tensor& ids,
                          const RemovalOptions& options, bool separateReference, bool withBaseNll,
                          const Reference* known) {
    const int64_t L = model.numLayers();
    ChunkContext c;
    c.ids = ids;
    c.h.resize(static_cast<std::size_t>(L + 1));
    c.mid.resize(static_cast<std::size_t>(L));
    const at::Tensor h0 = embedTokens(model, ids);
    Taps taps;
    taps.residual = true;
    taps.attnOut = true;
    taps.onTap = [&](const TapPoint& p, const at::Tensor& x) {
        const auto i = static_cast<std::size_t>(p.layer);
        if (p.site == TapSite::Residual) c.h[i] = x;
        else c.mid[i] = c.h[i] + x;
    };
    const at::Tensor hL = runBlocks(model, h0, 0, L, options.base, options.prefixReuse ? &taps : nullptr);
    c.h[0] = h0;
    c.ref = known != nullptr ? *known
                             : removal::makeReference(model, head, separateReference ? runBlocks(model, h0, 0, L) : hL,
                                                      options.divergence);
    if (withBaseNll) c.baseNll = removal::compare(model, hL, ids, c.ref, options.divergence).sums.nll;
    return c;
}

int64_t contextBytes(const Model& model, int64_t rows) {
    const int64_t L = model.numLayers();
    return (2 * L + 1) * rows * model.config.hiddenSize * 4 + rows * model.config.vocabSize * 4;
}

// Last-block output with `base` + `u` removed.
at::Tensor candidateOutput(const Model& model, const ChunkContext& c, const Unit& u,
                           const RemovalOptions& options) {
    const int64_t L = model.numLayers();
    Ablation a = options.base;
    a.remove(u);
    if (!options.prefixReuse) return runBlocks(model, c.h[0], 0, L, a);
    const auto i = static_cast<std::size_t>(u.layer);
    if (u.kind == Unit::Kind::Attn) return runBlocks(model, c.h[i], u.layer, L, a);
    if (u.kind == Unit::Kind::Mlp) {
        // Block i's attention output is unchanged: continue from h_i + attn_i (or from h_i
        // when the base already removed that attention).
        const at::Tensor& start = options.base.attnRemoved(u.layer) ? c.h[i] : c.mid[i];
        return runBlocks(model, start, u.layer + 1, L, a);
    }
    return runBlocks(model, c.h[i], u.layer + 1, L, a);
}

}  // namespace

struct OriginalReferences {
    const void* head = nullptr;  // the model's output layer: which model they are of
    std::vector<TokenId> ids;    // the windows they were computed on
    int64_t seqLen = 0, batch = 0;
    Divergence divergence = Divergence::Js;
    std::vector<Reference> chunks;

    bool answers(const Model& m, const TokenWindows& w, int64_t b, Divergence d) const {
        return m.lmHead.data_ptr() == head && w.ids == ids && w.seqLen == seqLen && b == batch &&
               d == divergence;
    }
};

std::shared_ptr<OriginalReferences> makeOriginalReferences() { return std::make_shared<OriginalReferences>(); }

UnitRemovalScores scoreUnitRemovals(const Model& model, const TokenWindows& windows,
                                    const std::vector<Unit>& units, const RemovalOptions& options,
                                    const ProgressFn& progress) {
    const int64_t L = model.numLayers(), T = windows.seqLen;
    if (windows.numWindows == 0 || T < 2) throw Error("unit removal: no calibration windows");
    for (const Unit& u : units) {
        if (u.layer < 0 || u.layer >= L) throw Error("unit " + u.label() + " outside the model");
    }
    if (options.layerByLayer) return removal::scoreUnitRemovalsLayered(model, windows, units, options, progress);
    const bool bounded = options.leader >= 0;
    if (bounded && options.leader >= static_cast<int64_t>(units.size()))
        throw Error("unit removal: leader outside the units");
    const int64_t batch = std::max<int64_t>(1, options.batchWindows);
    const int64_t chunks = (windows.numWindows + batch - 1) / batch;
    const int64_t positions = windows.numWindows * T;
    // Against the original model, its outputs are kept for the next call when they fit.
    OriginalReferences* originals =
        options.againstOriginal && chunks * batch * T * model.config.vocabSize * 4 <= options.keepContextsBytes
            ? options.originals.get() : nullptr;
    if (originals != nullptr && !originals->answers(model, windows, batch, options.divergence)) {
        *originals = {model.lmHead.data_ptr(), windows.ids, T, batch, options.divergence, {}};
    }
    const bool haveOriginals = originals != nullptr && static_cast<int64_t>(originals->chunks.size()) == chunks;
    const bool separateReference = options.againstOriginal && options.base.removedSublayers() > 0 && !haveOriginals;
    // The bounded search scores the leader over every chunk before the others: chunk contexts
    // are kept between its two passes when small, rebuilt otherwise.
    const bool keepContexts = bounded && (chunks == 1 || chunks * contextBytes(model, batch * T) <= options.keepContextsBytes);
    const bool rebuild = bounded && !keepContexts;

    // Progress in block forwards: the base pass (+ the reference pass) per chunk and pass,
    // then per unit the blocks it runs.
    auto unitBlocks = [&](const Unit& u) { return options.prefixReuse ? L - u.layer : L; };
    const int64_t basePerChunk = (separateReference ? 2 * L : L) * (rebuild ? 2 : 1);
    int64_t perChunk = basePerChunk;
    for (const Unit& u : units) perChunk += unitBlocks(u);
    const int64_t total = perChunk * chunks;
    int64_t done = 0;
    reportProgress(progress, 0, total);

    const at::Tensor all =
        at::tensor(windows.ids, at::kInt).to(at::kLong).view({windows.numWindows, T});
    const at::Tensor head = inComputeType(model, model.lmHead);
    std::vector<ChunkContext> kept(static_cast<std::size_t>(chunks));
    auto context = [&](int64_t c, bool withBaseNll) -> ChunkContext {
        ChunkContext& k = kept[static_cast<std::size_t>(c)];
        if (k.ids.defined()) return k;
        const int64_t w0 = c * batch;
        const Reference* known = haveOriginals ? &originals->chunks[static_cast<std::size_t>(c)] : nullptr;
        ChunkContext ctx = prepareChunk(model, head, all.narrow(0, w0, std::min(batch, windows.numWindows - w0)),
                                        options, separateReference, withBaseNll, known);
        if (originals != nullptr && static_cast<int64_t>(originals->chunks.size()) == c) originals->chunks.push_back(ctx.ref);
        if (keepContexts) k = ctx;
        done += separateReference ? 2 * L : L;
        reportProgress(progress, done, total);
        return ctx;
    };

    std::vector<std::vector<std::size_t>> passes(1);
    if (bounded) {
        passes = {{static_cast<std::size_t>(options.leader)}, {}};
        for (std::size_t k = 0; k < units.size(); ++k) {
            if (static_cast<int64_t>(k) != options.leader) passes[1].push_back(k);
        }
    } else {
        for (std::size_t k = 0; k < units.size(); ++k) passes[0].push_back(k);
    }

    const bool byNll = options.boundBy == BoundMetric::Nll;
    const double slack = byNll ? 0.0 : removal::roundingSlackPerRow(options.divergence);
    auto metric = [&](const Sums& s) { return byNll ? s.nll : s.divergence; };
    double best = std::numeric_limits<double>::infinity();  // best complete sum of `metric`
    auto hopeless = [&](const removal::UnitSums& cd, const Sums& more, int64_t moreRows) {
        const int64_t left = positions - cd.rows - moreRows;
        return metric(cd.sums) + metric(more) > best + slack * static_cast<double>(left);
    };

    std::vector<removal::UnitSums> cand(units.size());
    double baseNll = 0;
    for (std::size_t pass = 0; pass < passes.size(); ++pass) {
        for (int64_t c = 0; c < chunks; ++c) {
            const ChunkContext ctx = context(c, pass == 0);
            if (pass == 0) baseNll += ctx.baseNll;
            const int64_t chunkRows = ctx.ids.size(0) * T;
            for (const std::size_t k : passes[pass]) {
                removal::UnitSums& cd = cand[k];
                if (cd.abandoned) continue;
                const Unit& u = units[k];
                if (bounded && hopeless(cd, {}, 0)) {
                    cd.abandoned = true;
                } else {
                    removal::KeepGoing keepGoing;
                    if (bounded) {
                        keepGoing = [&](const Sums& soFar, int64_t rows) { return !hopeless(cd, soFar, rows); };
                    }
                    const Compared got = removal::compare(model, candidateOutput(model, ctx, u, options),
                                                          ctx.ids, ctx.ref, options.divergence, keepGoing);
                    cd.sums.nll += got.sums.nll;
                    cd.sums.divergence += got.sums.divergence;
                    cd.rows += got.rows;
                    cd.abandoned = got.rows < chunkRows;
                }
                // An abandoned unit's remaining chunks count as done.
                done += cd.abandoned ? unitBlocks(u) * (chunks - c) : unitBlocks(u);
                reportProgress(progress, done, total);
                if (cd.rows == positions) best = std::min(best, metric(cd.sums));
            }
        }
    }

    return removal::assembleScores(model, windows, units, cand, baseNll, options);
}

}  // namespace lamina
