#include "analysis/set_scoring.h"

#include <algorithm>
#include <cmath>

#include "analysis/removal_compare.h"
#include "common/error.h"
#include "data/window_ids.h"
#include "model/forward.h"
#include "model/model.h"

namespace lamina {

namespace {

// The first block whose sublayers `a` and `b` remove differently (L: none).
int64_t firstDifference(const Ablation& a, const Ablation& b, int64_t L) {
    for (int64_t l = 0; l < L; ++l) {
        if (a.attnRemoved(l) != b.attnRemoved(l) || a.mlpRemoved(l) != b.mlpRemoved(l)) return l;
    }
    return L;
}

bool sameAblation(const Ablation& a, const Ablation& b, int64_t L) { return firstDifference(a, b, L) == L; }

}  // namespace

struct SetScorer::Impl {
    const Model& model;
    TokenWindows windows;
    int64_t batch;
    int64_t keepBytes;
    at::Tensor ids;   // (N, T)
    at::Tensor head;  // the output layer in the compute dtype, converted once
    // The unpruned model's reference per window, natural row order (when they fit).
    std::vector<removal::Reference> natural;
    Divergence naturalDivergence = Divergence::Js;
    bool naturalKept = false, naturalTried = false;
    // One set of chunk references in a caller-fixed order (a search's full scorings).
    std::vector<int64_t> orderedWindows;
    Ablation orderedBy;
    Divergence orderedDivergence = Divergence::Js;
    bool orderedNll = false;
    std::vector<removal::Reference> ordered;
    // The last base's streams per chunk on every window (a search's parent stays for many calls).
    std::vector<int64_t> streamWindows;
    Ablation streamBase;
    std::vector<std::vector<at::Tensor>> streams;

    Impl(const Model& m, TokenWindows w, int64_t b, int64_t keep)
        : model(m), windows(std::move(w)), batch(std::max<int64_t>(1, b)), keepBytes(keep),
          ids(windowIds(windows)), head(inComputeType(m, m.lmHead)) {}

    int64_t L() const { return model.numLayers(); }

    at::Tensor idsOf(const std::vector<int64_t>& w) const {
        return ids.index_select(0, at::tensor(w, at::kLong));
    }

    void keepNatural(Divergence d) {
        if (naturalTried && naturalDivergence == d) return;
        natural.clear();
        naturalKept = false;
        naturalTried = true;
        naturalDivergence = d;
        const int64_t T = windows.seqLen, N = windows.numWindows;
        const int64_t perWindow = T * (model.config.vocabSize * 4 + model.config.hiddenSize * 4);
        if (N * perWindow > keepBytes) return;  // recomputed per chunk instead
        for (int64_t c = 0; c < N; c += batch) {
            const int64_t n = std::min(batch, N - c);
            const at::Tensor hL = runBlocks(model, embedTokens(model, ids.narrow(0, c, n)), 0, L());
            for (int64_t b = 0; b < n; ++b) natural.push_back(removal::makeReference(model, head, hL.narrow(0, b, 1), d));
        }
        naturalKept = true;
    }

    // The unpruned model's reference for windows `w` (ids `x`), natural row order.
    removal::Reference naturalChunk(const std::vector<int64_t>& w, const at::Tensor& x, Divergence d) {
        keepNatural(d);
        if (!naturalKept) return removal::makeReference(model, head, runBlocks(model, embedTokens(model, x), 0, L()), d);
        if (w.size() == 1) return natural[static_cast<std::size_t>(w[0])];
        std::vector<at::Tensor> normed, values;
        for (const int64_t i : w) {
            normed.push_back(natural[static_cast<std::size_t>(i)].normed);
            values.push_back(natural[static_cast<std::size_t>(i)].values);
        }
        removal::Reference r;
        r.head = head;
        r.normed = at::cat(normed, 0);
        r.values = at::cat(values, 0);
        return r;
    }
};

SetScorer::SetScorer(const Model& model, TokenWindows windows, int64_t batch, int64_t keepBytes) {
    if (windows.numWindows == 0 || windows.seqLen < 2) throw Error("set scoring: no calibration windows");
    mImpl = std::make_unique<Impl>(model, std::move(windows), batch, keepBytes);
}

SetScorer::~SetScorer() = default;

SetScores SetScorer::score(const SetScoring& job, const ProgressFn& progress) {
    Impl& s = *mImpl;
    const int64_t L = s.L(), T = s.windows.seqLen, N = s.windows.numWindows;
    std::vector<int64_t> w = job.windows;
    if (w.empty()) {
        for (int64_t i = 0; i < N; ++i) w.push_back(i);
    }
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (w[i] < 0 || w[i] >= N || (i > 0 && w[i] <= w[i - 1])) {
            throw Error("set scoring: windows must be distinct, ascending and below " + std::to_string(N));
        }
    }
    const Ablation orderBy = job.order.attn.empty() && job.order.mlp.empty() ? job.base : job.order;
    const bool fixedOrder = !(job.order.attn.empty() && job.order.mlp.empty());
    const auto chunks = static_cast<int64_t>((w.size() + static_cast<std::size_t>(s.batch) - 1) / static_cast<std::size_t>(s.batch));
    const bool reuseOrdered = fixedOrder && !s.ordered.empty() && s.orderedWindows == w &&
                              s.orderedDivergence == job.divergence && s.orderedNll == job.nll && sameAblation(s.orderedBy, orderBy, L);

    // Per chunk: its windows' ids, the base's stream at every block boundary (when it fits)
    // and the reference in the order the rows are compared.
    struct Chunk {
        at::Tensor x;
        std::vector<at::Tensor> stream;  // h_0 .. h_L of the base; empty: not kept
        removal::Reference ref;
    };
    std::vector<Chunk> cs(static_cast<std::size_t>(chunks));
    const int64_t streamBytes = static_cast<int64_t>(w.size()) * T * s.model.config.hiddenSize * 4 * (L + 1);
    const bool keepStreams = streamBytes <= s.keepBytes / 2;
    const bool reuseStreams = keepStreams && s.streamWindows == w && sameAblation(s.streamBase, job.base, L) &&
                              static_cast<int64_t>(s.streams.size()) == chunks;
    for (int64_t c = 0; c < chunks; ++c) {
        Chunk& ch = cs[static_cast<std::size_t>(c)];
        const std::vector<int64_t> cw(w.begin() + c * s.batch, w.begin() + std::min<int64_t>((c + 1) * s.batch, static_cast<int64_t>(w.size())));
        ch.x = s.idsOf(cw);
        at::Tensor h = embedTokens(s.model, ch.x);
        if (reuseStreams) {
            ch.stream = s.streams[static_cast<std::size_t>(c)];
        } else if (keepStreams) {
            ch.stream.push_back(h);
            for (int64_t l = 0; l < L; ++l) ch.stream.push_back(h = runBlocks(s.model, h, l, l + 1, job.base));
        }
        if (reuseOrdered) {
            ch.ref = s.ordered[static_cast<std::size_t>(c)];
            continue;
        }
        const at::Tensor hOrder = !fixedOrder && keepStreams ? ch.stream.back()
                                                             : runBlocks(s.model, embedTokens(s.model, ch.x), 0, L, orderBy);
        const removal::Reference natural = s.naturalChunk(cw, ch.x, job.divergence);
        ch.ref = removal::orderedReference(s.model, hOrder, ch.x, natural, job.divergence,
                                            job.nll ? BoundMetric::Nll : BoundMetric::Divergence).ref;
    }
    // Only calls on every window are kept: a search's first looks (on a few random windows)
    // come between its full scorings of the same parent.
    if (keepStreams && !reuseStreams && static_cast<int64_t>(w.size()) == N) {
        s.streams.clear();
        for (const Chunk& ch : cs) s.streams.push_back(ch.stream);
        s.streamWindows = w;
        s.streamBase = job.base;
    }
    if (fixedOrder && !reuseOrdered) {
        s.ordered.clear();
        for (const Chunk& ch : cs) s.ordered.push_back(ch.ref);
        s.orderedWindows = w;
        s.orderedBy = orderBy;
        s.orderedDivergence = job.divergence;
        s.orderedNll = job.nll;
    }

    const int64_t totalRows = static_cast<int64_t>(w.size()) * T;
    // NLL: each predicted token's −log p, ≥ 0 up to the rounding of the log-softmax.
    const double scale = job.nll ? static_cast<double>(static_cast<int64_t>(w.size()) * (T - 1))
                                 : removal::divergenceScale(s.model, totalRows, job.divergence);
    const double slack = job.nll ? 1e-6 : removal::roundingSlackPerRow(job.divergence);
    auto valueOf = [&](const removal::Sums& x) { return job.nll ? x.nll : x.divergence; };
    std::vector<double> completeSums;  // ascending
    SetScores out;
    int64_t rowsCompared = 0;
    const auto count = static_cast<int64_t>(job.candidates.size());
    reportProgress(progress, 0, count);
    for (int64_t i = 0; i < count; ++i) {
        const Ablation& cand = job.candidates[static_cast<std::size_t>(i)];
        double threshold = job.bound * scale;
        if (job.survivors > 0 && static_cast<int64_t>(completeSums.size()) >= job.survivors) {
            threshold = std::min(threshold, completeSums[static_cast<std::size_t>(job.survivors - 1)]);
        }
        const int64_t from = cs.front().stream.empty() ? 0 : firstDifference(cand, job.base, L);
        double partial = 0;
        int64_t rowsDone = 0;
        bool abandoned = false;
        for (Chunk& ch : cs) {
            const at::Tensor h0 = ch.stream.empty() ? embedTokens(s.model, ch.x) : ch.stream[static_cast<std::size_t>(from)];
            const at::Tensor h = from == L ? h0 : runBlocks(s.model, h0, from, L, cand);
            const int64_t chunkRows = ch.x.size(0) * T;
            const removal::KeepGoing keep = [&](const removal::Sums& soFar, int64_t rows) {
                const double remaining = static_cast<double>(totalRows - rowsDone - rows);
                if (partial + valueOf(soFar) - slack * remaining > threshold) abandoned = true;
                return !abandoned;
            };
            const removal::Compared got = removal::compare(s.model, h, ch.x, ch.ref, job.divergence, keep);
            rowsCompared += got.rows;
            if (abandoned) break;
            partial += valueOf(got.sums);
            rowsDone += chunkRows;
            if (rowsDone < totalRows && partial - slack * static_cast<double>(totalRows - rowsDone) > threshold) {
                abandoned = true;
                break;
            }
        }
        if (abandoned) {
            out.values.push_back(std::numeric_limits<double>::infinity());
        } else {
            out.values.push_back(partial / scale);
            completeSums.insert(std::upper_bound(completeSums.begin(), completeSums.end(), partial), partial);
        }
        reportProgress(progress, i + 1, count);
    }
    out.evaluations = static_cast<double>(rowsCompared) / static_cast<double>(N * T);
    return out;
}

}  // namespace lamina
