// Layer-by-layer unit removal scores: every chunk of windows and every unit's pruned stream
// advance through block j before any touches block j + 1, so about one block of weights is
// resident at a time. The same block calls as the prefix-reuse sweep, so the same scores.
#include "analysis/removal_compare.h"
#include "common/error.h"
#include "data/window_ids.h"
#include "model/forward.h"
#include "model/page_release.h"

namespace lamina::removal {

UnitRemovalScores scoreUnitRemovalsLayered(const Model& model, const TokenWindows& windows,
                                           const std::vector<Unit>& units,
                                           const RemovalOptions& options, const ProgressFn& progress) {
    if (!options.prefixReuse || options.base.removedSublayers() > 0 || options.leader >= 0) {
        throw Error("unit removal: layer by layer needs prefix reuse, nothing removed beforehand "
                    "and no bounded search");
    }
    const int64_t L = model.numLayers();
    const int64_t batch = std::max<int64_t>(1, options.batchWindows);
    const int64_t chunks = (windows.numWindows + batch - 1) / batch;
    int64_t perChunk = L;
    for (const Unit& u : units) perChunk += L - u.layer;
    const int64_t total = perChunk * chunks;
    int64_t done = 0;
    reportProgress(progress, 0, total);

    const at::Tensor all = windowIds(windows);
    auto chunkIds = [&](int64_t c) { return all.narrow(0, c * batch, std::min(batch, windows.numWindows - c * batch)); };
    std::vector<Ablation> ablations(units.size());
    for (std::size_t k = 0; k < units.size(); ++k) ablations[k].remove(units[k]);

    std::vector<at::Tensor> base;  // per chunk: the unpruned residual stream h_j
    for (int64_t c = 0; c < chunks; ++c) base.push_back(embedTokens(model, chunkIds(c)));
    // stream[k][c]: unit k's pruned stream once the sweep has passed its block
    std::vector<std::vector<at::Tensor>> stream(units.size(), std::vector<at::Tensor>(static_cast<std::size_t>(chunks)));
    for (int64_t j = 0; j < L; ++j) {
        for (int64_t c = 0; c < chunks; ++c) {
            const auto ci = static_cast<std::size_t>(c);
            const at::Tensor h = base[ci];
            at::Tensor attnOut;
            Taps taps;
            taps.attnOut = true;
            taps.onTap = [&](const TapPoint&, const at::Tensor& x) { attnOut = x; };
            base[ci] = runBlocks(model, h, j, j + 1, {}, &taps);
            ++done;
            for (std::size_t k = 0; k < units.size(); ++k) {
                const Unit& u = units[k];
                at::Tensor& s = stream[k][ci];
                if (u.layer > j) continue;
                if (u.layer < j) s = runBlocks(model, s, j, j + 1, ablations[k]);
                else if (u.kind == Unit::Kind::Attn) s = runBlocks(model, h, j, j + 1, ablations[k]);
                else if (u.kind == Unit::Kind::Mlp) s = attnOut.defined() ? h + attnOut : h;  // block j without its FFN
                else s = h;                                           // block j skipped
                ++done;
            }
            reportProgress(progress, done, total);
        }
        releaseBlockPages(model.blocks[static_cast<std::size_t>(j)]);
    }

    const at::Tensor head = inComputeType(model, model.lmHead);
    std::vector<UnitSums> sums(units.size());
    double baseNll = 0;
    for (int64_t c = 0; c < chunks; ++c) {
        const auto ci = static_cast<std::size_t>(c);
        const at::Tensor ids = chunkIds(c);
        const Reference natural = makeReference(model, head, base[ci], options.divergence);
        const OrderedReference ordered = orderedReference(model, base[ci], ids, natural, options.divergence, options.boundBy);
        baseNll += ordered.baseNll;
        const Reference& ref = ordered.ref;  // as the sweep orders them
        for (std::size_t k = 0; k < units.size(); ++k) {
            const Compared got = compare(model, stream[k][ci], ids, ref, options.divergence);
            sums[k].sums.nll += got.sums.nll;
            sums[k].sums.divergence += got.sums.divergence;
            sums[k].rows += got.rows;
            stream[k][ci] = at::Tensor();
        }
    }
    return assembleScores(model, windows, units, sums, baseNll, options);
}

}  // namespace lamina::removal
