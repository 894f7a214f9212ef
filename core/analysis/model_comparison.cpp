#include "analysis/model_comparison.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "analysis/removal_compare.h"
#include "common/error.h"
#include "data/window_ids.h"
#include "model/forward.h"
#include "model/model.h"

namespace lamina {

namespace {

int64_t bytesOf(const at::Tensor& t) { return t.defined() ? t.numel() * static_cast<int64_t>(t.element_size()) : 0; }

int64_t bytesOf(const removal::Reference& r) { return bytesOf(r.values) + bytesOf(r.normed) + bytesOf(r.order); }

}  // namespace

struct ReferenceOutputs::Impl {
    const Model& model;
    TokenWindows windows;
    int64_t batch;
    Divergence divergence;
    int64_t keepBytes;
    at::Tensor ids;   // (N, T)
    at::Tensor head;  // the output layer in the compute dtype, converted once
    int64_t chunks;
    std::vector<removal::Reference> kept;  // per chunk; values undefined where not kept
    std::vector<double> baseNll;           // per chunk; NaN until the chunk was run
    int64_t keptBytes = 0;

    Impl(const Model& m, TokenWindows w, int64_t b, Divergence d, int64_t keep)
        : model(m), windows(std::move(w)), batch(std::max<int64_t>(1, b)), divergence(d), keepBytes(keep),
          ids(windowIds(windows)), head(inComputeType(m, m.lmHead)),
          chunks((windows.numWindows + batch - 1) / batch),
          kept(static_cast<std::size_t>(chunks)),
          baseNll(static_cast<std::size_t>(chunks), std::numeric_limits<double>::quiet_NaN()) {}

    at::Tensor chunkIds(int64_t c) const { return ids.narrow(0, c * batch, std::min(batch, windows.numWindows - c * batch)); }
    bool seen(int64_t c) const { return !std::isnan(baseNll[static_cast<std::size_t>(c)]); }
    bool isKept(int64_t c) const { return kept[static_cast<std::size_t>(c)].values.defined(); }

    // Chunk c's reference as scoreUnitRemovals builds it with nothing removed beforehand.
    removal::Reference run(int64_t c) {
        const auto ci = static_cast<std::size_t>(c);
        const at::Tensor x = chunkIds(c);
        const at::Tensor hL = runBlocks(model, embedTokens(model, x), 0, model.numLayers());
        const removal::Reference natural = removal::makeReference(model, head, hL, divergence);
        removal::OrderedReference ordered = removal::orderedReference(model, hL, x, natural, divergence, BoundMetric::Divergence);
        baseNll[ci] = ordered.baseNll;
        const int64_t bytes = bytesOf(ordered.ref);
        if (keptBytes + bytes <= keepBytes) {
            keptBytes += bytes;
            kept[ci] = ordered.ref;
        }
        return std::move(ordered.ref);
    }

    double perplexityOf(double nllSum) const {
        return std::exp(nllSum / static_cast<double>(windows.numWindows * (windows.seqLen - 1)));
    }
};

ReferenceOutputs::ReferenceOutputs(const Model& model, TokenWindows windows, int64_t batch,
                                   Divergence divergence, int64_t keepBytes) {
    if (windows.numWindows == 0 || windows.seqLen < 2) throw Error("model comparison: no calibration windows");
    mImpl = std::make_unique<Impl>(model, std::move(windows), batch, divergence, keepBytes);
}

ReferenceOutputs::~ReferenceOutputs() = default;

void ReferenceOutputs::prepare(const ProgressFn& progress) {
    Impl& s = *mImpl;
    const int64_t L = s.model.numLayers();
    int64_t missing = 0;
    for (int64_t c = 0; c < s.chunks; ++c) missing += s.seen(c) ? 0 : 1;
    int64_t done = 0;
    reportProgress(progress, 0, missing * L);
    for (int64_t c = 0; c < s.chunks; ++c) {
        if (s.seen(c)) continue;
        s.run(c);
        reportProgress(progress, done += L, missing * L);
    }
}

double ReferenceOutputs::basePerplexity(const ProgressFn& progress) {
    prepare(progress);
    double sum = 0;
    for (const double nll : mImpl->baseNll) sum += nll;
    return mImpl->perplexityOf(sum);
}

ModelComparison ReferenceOutputs::compare(const Model& other, const ProgressFn& progress) {
    Impl& s = *mImpl;
    if (other.lmHead.data_ptr() != s.model.lmHead.data_ptr()) {
        throw Error("model comparison: the compared model is not the reference model pruned");
    }
    const int64_t L = s.model.numLayers(), Lo = other.numLayers();
    int64_t total = 0;
    for (int64_t c = 0; c < s.chunks; ++c) total += (s.isKept(c) ? 0 : L) + Lo;
    int64_t done = 0;
    reportProgress(progress, 0, total);
    removal::Sums sums;
    double baseNll = 0;
    for (int64_t c = 0; c < s.chunks; ++c) {
        const bool kept = s.isKept(c);
        const removal::Reference ref = kept ? s.kept[static_cast<std::size_t>(c)] : s.run(c);
        done += kept ? 0 : L;
        baseNll += s.baseNll[static_cast<std::size_t>(c)];
        const at::Tensor x = s.chunkIds(c);
        const at::Tensor h = runBlocks(other, embedTokens(other, x), 0, Lo);
        const removal::Compared got = removal::compare(other, h, x, ref, s.divergence);
        sums.nll += got.sums.nll;
        sums.divergence += got.sums.divergence;
        reportProgress(progress, done += Lo, total);
    }
    ModelComparison r;
    r.perplexity = s.perplexityOf(sums.nll);
    r.basePerplexity = s.perplexityOf(baseNll);
    r.divergence = sums.divergence / removal::divergenceScale(other, s.windows.numWindows * s.windows.seqLen, s.divergence);
    return r;
}

}  // namespace lamina
