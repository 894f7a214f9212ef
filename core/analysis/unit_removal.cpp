#include "analysis/unit_removal.h"

#include <cmath>

#include "analysis/distribution_distance.h"
#include "common/error.h"

namespace lamina {

namespace {

// Rows of logits per piece: 16 MB of float32 whatever the vocabulary.
int64_t rowsPerPiece(const Model& model) {
    return std::max<int64_t>(1, (int64_t{4} << 20) / model.config.vocabSize);
}

// The reference output of one chunk: final-normed hidden states and, (B·T, V) float32, the
// logits (L2) or their log-softmax (the distribution divergences) — computed once here rather
// than again for every candidate compared against it.
struct Reference {
    at::Tensor normed;  // (B·T, d)
    at::Tensor values;  // (B·T, V) float32: logits for L2, log-probabilities otherwise
};

Reference makeReference(const Model& model, const at::Tensor& hL, Divergence divergence) {
    Reference r;
    r.normed = finalNorm(model, hL).reshape({-1, hL.size(-1)});
    const int64_t rows = rowsPerPiece(model);
    const at::Tensor head = inComputeType(model, model.lmHead);
    std::vector<at::Tensor> pieces;
    for (int64_t i = 0; i < r.normed.size(0); i += rows) {
        const int64_t n = std::min(rows, r.normed.size(0) - i);
        at::Tensor logits = at::linear(r.normed.narrow(0, i, n), head).to(at::kFloat);
        pieces.push_back(divergence == Divergence::L2 ? logits : at::log_softmax(logits, -1));
    }
    r.values = at::cat(pieces, 0);
    return r;
}

struct Sums {
    double nll = 0;
    double divergence = 0;
};

// NLL of next tokens (positions 0..T−2 of each window) and the divergence from `ref` at
// every position, for last-block output `h` (B, T, d).
Sums compare(const Model& model, const at::Tensor& h, const at::Tensor& ids, const Reference& ref,
             Divergence divergence) {
    const int64_t B = h.size(0), T = h.size(1);
    const at::Tensor flat = finalNorm(model, h).reshape({B * T, -1});
    // Target of row b·T + t is ids[b, t+1]; the last position of a window has none.
    const at::Tensor targets =
        at::cat({ids.narrow(1, 1, T - 1), at::full({B, 1}, -1, at::kLong)}, 1).reshape({B * T});
    const int64_t rows = rowsPerPiece(model);
    const at::Tensor head = inComputeType(model, model.lmHead);
    Sums s;
    for (int64_t r = 0; r < B * T; r += rows) {
        const int64_t n = std::min(rows, B * T - r);
        const at::Tensor logits = at::linear(flat.narrow(0, r, n), head).to(at::kFloat);
        const at::Tensor logq = at::log_softmax(logits, -1);
        const at::Tensor refValues = ref.values.narrow(0, r, n);
        switch (divergence) {
            case Divergence::Js:
                s.divergence += jsDivergence(refValues, logq).sum().item<double>();
                break;
            case Divergence::JsReleased: {
                const at::Tensor& logp = refValues;
                const at::Tensor logm = at::logaddexp(logp, logq) - std::log(2.0);
                const at::Tensor m = logm.exp();
                s.divergence += 0.5 * (m * (2 * logm - logp - logq)).sum(at::kDouble).item<double>();
                break;
            }
            case Divergence::Kl:
                s.divergence += klDivergence(refValues, logq).sum().item<double>();
                break;
            case Divergence::Angular: {
                const at::Tensor cos = at::cosine_similarity(
                    ref.normed.narrow(0, r, n).to(at::kDouble), flat.narrow(0, r, n).to(at::kDouble), -1);
                s.divergence += (at::acos(cos.clamp(-1, 1)) / M_PI).sum().item<double>();
                break;
            }
            case Divergence::L2:
                s.divergence += (logits - refValues).to(at::kDouble).norm(2, {-1}).sum().item<double>();
                break;
        }
        const at::Tensor t = targets.narrow(0, r, n);
        const at::Tensor picked = logq.gather(1, t.clamp_min(0).unsqueeze(1)).squeeze(1);
        s.nll -= picked.masked_select(t.ge(0)).sum(at::kDouble).item<double>();
    }
    return s;
}

}  // namespace

UnitRemovalScores scoreUnitRemovals(const Model& model, const TokenWindows& windows,
                                    const std::vector<Unit>& units, const RemovalOptions& options,
                                    const ProgressFn& progress) {
    const int64_t L = model.numLayers(), T = windows.seqLen;
    if (windows.numWindows == 0 || T < 2) throw Error("unit removal: no calibration windows");
    for (const Unit& u : units) {
        if (u.layer < 0 || u.layer >= L) throw Error("unit " + u.label() + " outside the model");
    }
    const Ablation& base = options.base;
    const int64_t batch = std::max<int64_t>(1, options.batchWindows);
    const bool separateReference = options.againstOriginal && base.removedSublayers() > 0;
    // Work in block forwards: the base pass (+ the reference pass), then per unit the blocks
    // it runs (from its own block with prefix reuse, all of them without).
    int64_t perChunk = separateReference ? 2 * L : L;
    for (const Unit& u : units) perChunk += options.prefixReuse ? L - u.layer : L;
    const int64_t chunks = (windows.numWindows + batch - 1) / batch;
    const int64_t total = perChunk * chunks;
    int64_t done = 0;
    reportProgress(progress, 0, total);

    const at::Tensor all =
        at::tensor(windows.ids, at::kInt).to(at::kLong).view({windows.numWindows, T});
    std::vector<Sums> sums(units.size());
    double baseNll = 0;
    int64_t predicted = 0, positions = 0;
    for (int64_t w0 = 0; w0 < windows.numWindows; w0 += batch) {
        const at::Tensor ids = all.narrow(0, w0, std::min(batch, windows.numWindows - w0));
        const at::Tensor h0 = embedTokens(model, ids);
        // The base model's pass, caching h_i and h_i + attn_i.
        std::vector<at::Tensor> h(static_cast<std::size_t>(L + 1)), mid(static_cast<std::size_t>(L));
        Taps taps;
        taps.residual = true;
        taps.attnOut = true;
        taps.onTap = [&](const TapPoint& p, const at::Tensor& x) {
            const auto i = static_cast<std::size_t>(p.layer);
            if (p.site == TapSite::Residual) h[i] = x;
            else mid[i] = h[i] + x;
        };
        const at::Tensor hL = runBlocks(model, h0, 0, L, base, options.prefixReuse ? &taps : nullptr);
        const Reference ref = makeReference(model, separateReference ? runBlocks(model, h0, 0, L) : hL,
                                            options.divergence);
        baseNll += compare(model, hL, ids, ref, options.divergence).nll;
        predicted += ids.size(0) * (T - 1);
        positions += ids.size(0) * T;
        done += separateReference ? 2 * L : L;
        reportProgress(progress, done, total);

        for (std::size_t k = 0; k < units.size(); ++k) {
            const Unit& u = units[k];
            Ablation a = base;
            a.remove(u);
            at::Tensor out;
            if (!options.prefixReuse) {
                out = runBlocks(model, h0, 0, L, a);
            } else {
                const auto i = static_cast<std::size_t>(u.layer);
                if (u.kind == Unit::Kind::Attn) {
                    out = runBlocks(model, h[i], u.layer, L, a);
                } else if (u.kind == Unit::Kind::Mlp) {
                    // Block i's attention output is unchanged: continue from h_i + attn_i (or
                    // from h_i when the base already removed that attention).
                    const at::Tensor start = base.attnRemoved(u.layer) ? h[i] : mid[i];
                    out = runBlocks(model, start, u.layer + 1, L, a);
                } else {
                    out = runBlocks(model, h[i], u.layer + 1, L, a);
                }
            }
            const Sums s = compare(model, out, ids, ref, options.divergence);
            sums[k].nll += s.nll;
            sums[k].divergence += s.divergence;
            done += options.prefixReuse ? L - u.layer : L;
            reportProgress(progress, done, total);
        }
    }
    UnitRemovalScores r;
    r.units = units;
    r.basePerplexity = std::exp(baseNll / static_cast<double>(predicted));
    const double scale = options.divergence == Divergence::JsReleased
                             ? static_cast<double>(positions) * static_cast<double>(model.config.vocabSize)
                             : static_cast<double>(positions);
    for (const Sums& s : sums) {
        const double nll = s.nll / static_cast<double>(predicted);
        r.nll.push_back(nll);
        r.perplexity.push_back(std::exp(nll));
        r.divergence.push_back(s.divergence / scale);
    }
    return r;
}

}  // namespace lamina
