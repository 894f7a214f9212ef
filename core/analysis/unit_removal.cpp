#include "analysis/unit_removal.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/removal_compare.h"
#include "analysis/removal_streams.h"
#include "common/error.h"
#include "data/window_ids.h"

namespace lamina {

namespace {

using removal::Compared;
using removal::Reference;
using removal::Stream;
using removal::Sums;

// A chunk of windows after the base model's pass: its input, the base's residual stream
// (every block boundary h_i and every h_i + attn_i, with prefix reuse; h_0 only without),
// and the reference output candidates are compared against, in the row order they visit.
struct ChunkContext {
    at::Tensor ids;
    Stream base;
    Reference ref;
    double baseNll = 0;
};

// `known`: the chunk's reference when already computed (against the original model);
// `cached`: the base's stream when already computed (a greedy step's chosen candidate's);
// `natural`: set to the reference in natural row order.
ChunkContext prepareChunk(const Model& model, const at::Tensor& head, const at::Tensor& ids,
                          const RemovalOptions& options, bool separateReference, const Reference* known,
                          const Stream* cached, Reference& natural) {
    const int64_t L = model.numLayers();
    ChunkContext c;
    c.ids = ids;
    Stream& s = c.base;
    if (cached != nullptr) {
        s = *cached;
    } else {
        s.h.resize(static_cast<std::size_t>(L + 1));
        s.mid.resize(static_cast<std::size_t>(L));
        s.h[0] = embedTokens(model, ids);  // the taps record the rest (without: h_L only)
        const Taps taps = removal::recordingInto(s);
        s.h[static_cast<std::size_t>(L)] = runBlocks(model, s.h[0], 0, L, options.base, options.prefixReuse ? &taps : nullptr);
    }
    const at::Tensor& hL = s.h[static_cast<std::size_t>(L)];
    natural = known != nullptr ? *known
                               : removal::makeReference(model, head, separateReference ? runBlocks(model, s.h[0], 0, L) : hL,
                                                        options.divergence);
    removal::OrderedReference ordered = removal::orderedReference(model, hL, ids, natural, options.divergence, options.boundBy);
    c.ref = std::move(ordered.ref);
    c.baseNll = ordered.baseNll;
    return c;
}

int64_t contextBytes(const Model& model, int64_t rows) {
    const int64_t L = model.numLayers();
    return (2 * L + 1) * rows * model.config.hiddenSize * 4 + rows * model.config.vocabSize * 4;
}

bool sameAblation(const Ablation& a, const Ablation& b, int64_t L) {
    for (int64_t i = 0; i < L; ++i) {
        if (a.attnRemoved(i) != b.attnRemoved(i) || a.mlpRemoved(i) != b.mlpRemoved(i)) return false;
    }
    return true;
}

}  // namespace

// Which model (its output layer), windows and batch kept outputs belong to.
struct KeptFor {
    const void* head = nullptr;
    std::vector<TokenId> ids;
    int64_t seqLen = 0, batch = 0;

    static KeptFor of(const Model& m, const TokenWindows& w, int64_t batch) {
        return {m.lmHead.data_ptr(), w.ids, w.seqLen, batch};
    }
    bool operator==(const KeptFor& o) const {
        return head == o.head && ids == o.ids && seqLen == o.seqLen && batch == o.batch;
    }
};

struct OriginalReferences {
    KeptFor key;
    Divergence divergence = Divergence::Js;
    std::vector<Reference> chunks;
};

std::shared_ptr<OriginalReferences> makeOriginalReferences() { return std::make_shared<OriginalReferences>(); }

struct CandidateStreams {
    KeptFor key;
    Ablation base;                           // what the streams were computed on top of
    std::vector<Unit> units;
    std::vector<std::vector<Stream>> chunks;  // [unit][chunk]; empty where not kept whole
};

std::shared_ptr<CandidateStreams> makeCandidateStreams() { return std::make_shared<CandidateStreams>(); }

namespace {

// What the previous call's streams give this one: when `base` is that call's base plus one of
// its units (the greedy step's choice), that unit's streams are the new base's, and a unit
// whose stream left the old base before the chosen unit's block resumes its own stream there.
struct Resumption {
    const std::vector<Stream>* base = nullptr;  // per chunk, or null: run the base pass
    Unit chosen;
    Ablation before;                          // the previous call's base
    std::vector<std::vector<Stream>*> own;    // per unit of this call, or null
};

Resumption resumption(CandidateStreams* kept, const KeptFor& key, const Ablation& base,
                      const std::vector<Unit>& units, int64_t L) {
    Resumption r;
    r.own.assign(units.size(), nullptr);
    if (kept == nullptr || !(kept->key == key)) return r;
    for (std::size_t j = 0; j < kept->units.size(); ++j) {
        Ablation next = kept->base;
        next.remove(kept->units[j]);
        if (kept->chunks[j].empty() || !sameAblation(next, base, L)) continue;
        r.base = &kept->chunks[j];
        r.chosen = kept->units[j];
        r.before = kept->base;
        for (std::size_t k = 0; k < units.size(); ++k) {
            const Unit& u = units[k];
            for (std::size_t i = 0; i < kept->units.size(); ++i) {
                // u's stream is the new one up to where the chosen unit acts: worth resuming
                // when that is after where u itself would start on the new base.
                if (kept->units[i] == u && !kept->chunks[i].empty() &&
                    removal::entryBlock(r.chosen) > removal::entryBlock(u)) {
                    r.own[k] = &kept->chunks[i];
                }
            }
        }
        break;
    }
    return r;
}

// One call of scoreUnitRemovals: the chunks' contexts, the candidates' running sums, the
// bounded search's best, and the streams kept for the next call.
class Scorer {
public:
    Scorer(const Model& model, const TokenWindows& windows, const std::vector<Unit>& units,
           const RemovalOptions& options, const ProgressFn& progress);
    Scorer(const Scorer&) = delete;
    Scorer& operator=(const Scorer&) = delete;
    UnitRemovalScores run();

private:
    void countWork();
    std::vector<std::vector<std::size_t>> passes() const;
    ChunkContext context(int64_t c);
    at::Tensor candidateOutput(std::size_t k, const ChunkContext& ctx, int64_t c);
    void score(std::size_t k, const ChunkContext& ctx, int64_t c);
    double metric(const Sums& s) const { return byNll ? s.nll : s.divergence; }
    bool hopeless(const removal::UnitSums& cd, const Sums& more, int64_t moreRows) const;

    const Model& model;
    const TokenWindows& windows;
    const std::vector<Unit>& units;
    const RemovalOptions& options;
    const ProgressFn& progress;
    const int64_t L, T;
    const bool bounded;
    const int64_t batch, chunks, positions;
    const KeptFor key;
    OriginalReferences* originals = nullptr;  // against the original model: kept when they fit
    bool haveOriginals = false, separateReference = false;
    bool keepContexts = false, rebuild = false;  // the bounded search's two passes
    CandidateStreams* streams = nullptr;  // candidates' streams, kept within keepStreamsBytes
    CandidateStreams previous;            // taken out, so an exception leaves no half-used streams
    Resumption from;
    CandidateStreams next;
    int64_t keptBytes = 0, stateBytes = 0;
    // Progress in block forwards: the base pass (+ the reference pass) per chunk and pass,
    // then per unit the blocks it runs.
    std::vector<int64_t> unitBlocks;
    int64_t basePerChunk = 0, total = 0, done = 0;
    at::Tensor all, head;
    std::vector<ChunkContext> kept;
    const bool byNll;
    const double slack;
    double best = std::numeric_limits<double>::infinity();  // best complete sum of `metric`
    std::vector<removal::UnitSums> cand;
};

Scorer::Scorer(const Model& model_, const TokenWindows& windows_, const std::vector<Unit>& units_,
               const RemovalOptions& options_, const ProgressFn& progress_)
    : model(model_), windows(windows_), units(units_), options(options_), progress(progress_),
      L(model_.numLayers()), T(windows_.seqLen), bounded(options_.leader >= 0),
      batch(std::max<int64_t>(1, options_.batchWindows)), chunks((windows_.numWindows + batch - 1) / batch),
      positions(windows_.numWindows * T), key(KeptFor::of(model_, windows_, batch)),
      byNll(options_.boundBy == BoundMetric::Nll),
      slack(byNll ? 0.0 : removal::roundingSlackPerRow(options_.divergence)), cand(units_.size()) {
    if (bounded && options.leader >= static_cast<int64_t>(units.size()))
        throw Error("unit removal: leader outside the units");
    if (options.againstOriginal && chunks * batch * T * model.config.vocabSize * 4 <= options.keepContextsBytes) {
        originals = options.originals.get();
    }
    if (originals != nullptr && !(originals->key == key && originals->divergence == options.divergence)) {
        *originals = {key, options.divergence, {}};
    }
    haveOriginals = originals != nullptr && static_cast<int64_t>(originals->chunks.size()) == chunks;
    separateReference = options.againstOriginal && options.base.removedSublayers() > 0 && !haveOriginals;
    keepContexts = bounded && (chunks == 1 || chunks * contextBytes(model, batch * T) <= options.keepContextsBytes);
    rebuild = bounded && !keepContexts;
    streams = options.prefixReuse ? options.streams.get() : nullptr;
    if (streams != nullptr) std::swap(previous, *streams);
    from = resumption(streams != nullptr ? &previous : nullptr, key, options.base, units, L);
    for (std::vector<Stream>& st : previous.chunks) {  // free at once the streams nothing resumes
        if (&st != from.base && std::find(from.own.begin(), from.own.end(), &st) == from.own.end()) st.clear();
    }
    next = CandidateStreams{key, options.base, units, std::vector<std::vector<Stream>>(units.size())};
    stateBytes = batch * T * model.config.hiddenSize * int64_t{4};
    countWork();
    reportProgress(progress, 0, total);
    all = windowIds(windows);
    head = inComputeType(model, model.lmHead);
    kept.resize(static_cast<std::size_t>(chunks));
}

void Scorer::countWork() {
    for (std::size_t k = 0; k < units.size(); ++k) {
        const Unit& entry = from.own[k] != nullptr ? from.chosen : units[k];
        unitBlocks.push_back(options.prefixReuse ? L - removal::entryBlock(entry) : L);
    }
    basePerChunk = (from.base != nullptr ? 0 : L) + (separateReference ? L : 0);
    int64_t perChunk = basePerChunk * (rebuild ? 2 : 1);
    for (const int64_t b : unitBlocks) perChunk += b;
    total = perChunk * chunks;
}

// The bounded search scores the leader over every chunk first, then the others.
std::vector<std::vector<std::size_t>> Scorer::passes() const {
    std::vector<std::vector<std::size_t>> p(bounded ? 2 : 1);
    if (bounded) p[0].push_back(static_cast<std::size_t>(options.leader));
    for (std::size_t k = 0; k < units.size(); ++k) {
        if (static_cast<int64_t>(k) != options.leader) p.back().push_back(k);
    }
    return p;
}

ChunkContext Scorer::context(int64_t c) {
    const auto ci = static_cast<std::size_t>(c);
    ChunkContext& k = kept[ci];
    if (k.ids.defined()) return k;
    const int64_t w0 = c * batch;
    const Reference* known = haveOriginals ? &originals->chunks[ci] : nullptr;
    Reference natural;
    ChunkContext ctx = prepareChunk(model, head, all.narrow(0, w0, std::min(batch, windows.numWindows - w0)),
                                    options, separateReference, known,
                                    from.base != nullptr ? &(*from.base)[ci] : nullptr, natural);
    if (originals != nullptr && static_cast<int64_t>(originals->chunks.size()) == c) originals->chunks.push_back(natural);
    if (keepContexts) k = ctx;
    done += basePerChunk;
    reportProgress(progress, done, total);
    return ctx;
}

// Last-block output of unit k on a chunk: from its own stream of the previous call when that
// diverged earlier, otherwise from the base's; kept for the next call within budget.
at::Tensor Scorer::candidateOutput(std::size_t k, const ChunkContext& ctx, int64_t c) {
    const Unit& u = units[k];
    Ablation after = options.base;
    after.remove(u);
    if (!options.prefixReuse) return runBlocks(model, ctx.base.h[0], 0, L, after);
    const auto ci = static_cast<std::size_t>(c);
    std::vector<Stream>& mine = next.chunks[k];
    Stream* record = nullptr;
    if (streams != nullptr && static_cast<int64_t>(mine.size()) == c) {
        const int64_t bytes = (2 * unitBlocks[k] + 1) * stateBytes;
        if (keptBytes + bytes <= options.keepStreamsBytes) {
            keptBytes += bytes;
            record = &mine.emplace_back();
        }
    }
    if (from.own[k] == nullptr) return removal::resume(model, ctx.base, options.base, u, after, record);
    Ablation before = from.before;
    before.remove(u);
    Stream own = std::move((*from.own[k])[ci]);  // used once: freed as the new one grows
    return removal::resume(model, own, before, from.chosen, after, record);
}

bool Scorer::hopeless(const removal::UnitSums& cd, const Sums& more, int64_t moreRows) const {
    const int64_t left = positions - cd.rows - moreRows;
    return metric(cd.sums) + metric(more) > best + slack * static_cast<double>(left);
}

// Unit k on chunk c; a bounded search stops it once it cannot win.
void Scorer::score(std::size_t k, const ChunkContext& ctx, int64_t c) {
    removal::UnitSums& cd = cand[k];
    if (bounded && hopeless(cd, {}, 0)) {
        cd.abandoned = true;
    } else {
        removal::KeepGoing keepGoing;
        if (bounded) keepGoing = [&](const Sums& soFar, int64_t rows) { return !hopeless(cd, soFar, rows); };
        const Compared got = removal::compare(model, candidateOutput(k, ctx, c), ctx.ids, ctx.ref,
                                              options.divergence, keepGoing);
        cd.sums.nll += got.sums.nll;
        cd.sums.divergence += got.sums.divergence;
        cd.rows += got.rows;
        cd.abandoned = got.rows < ctx.ids.size(0) * T;
    }
    // An abandoned unit's remaining chunks count as done.
    done += cd.abandoned ? unitBlocks[k] * (chunks - c) : unitBlocks[k];
    reportProgress(progress, done, total);
    if (cd.rows == positions) best = std::min(best, metric(cd.sums));
}

UnitRemovalScores Scorer::run() {
    const std::vector<std::vector<std::size_t>> order = passes();
    double baseNll = 0;
    for (std::size_t pass = 0; pass < order.size(); ++pass) {
        if (pass == 1 && keepContexts) {
            // Every chunk is at hand: each unit over all of them in turn, so one that completes
            // tightens the bound for the next.
            for (const std::size_t k : order[pass]) {
                for (int64_t c = 0; c < chunks && !cand[k].abandoned; ++c) score(k, context(c), c);
            }
            continue;
        }
        for (int64_t c = 0; c < chunks; ++c) {
            const ChunkContext ctx = context(c);
            if (pass == 0) baseNll += ctx.baseNll;
            for (const std::size_t k : order[pass]) {
                if (!cand[k].abandoned) score(k, ctx, c);
            }
        }
    }
    if (streams != nullptr) {
        removal::keepWithin(next.chunks, static_cast<std::size_t>(chunks), options.keepStreamsBytes);
        *streams = std::move(next);
    }
    return removal::assembleScores(model, windows, units, cand, baseNll, options);
}

}  // namespace

UnitRemovalScores scoreUnitRemovals(const Model& model, const TokenWindows& windows,
                                    const std::vector<Unit>& units, const RemovalOptions& options,
                                    const ProgressFn& progress) {
    if (windows.numWindows == 0 || windows.seqLen < 2) throw Error("unit removal: no calibration windows");
    for (const Unit& u : units) {
        if (u.layer < 0 || u.layer >= model.numLayers()) throw Error("unit " + u.label() + " outside the model");
    }
    if (options.layerByLayer) return removal::scoreUnitRemovalsLayered(model, windows, units, options, progress);
    return Scorer(model, windows, units, options, progress).run();
}

}  // namespace lamina
