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

// Log-probabilities (B·T, V) of the final hidden states, float32.
at::Tensor logProbs(const Model& model, const at::Tensor& h) {
    const at::Tensor flat = finalNorm(model, h).reshape({-1, h.size(-1)});
    const int64_t rows = rowsPerPiece(model);
    std::vector<at::Tensor> pieces;
    for (int64_t r = 0; r < flat.size(0); r += rows) {
        const int64_t n = std::min(rows, flat.size(0) - r);
        pieces.push_back(at::log_softmax(at::linear(flat.narrow(0, r, n), model.lmHead).to(at::kFloat), -1));
    }
    return at::cat(pieces, 0);
}

struct Sums {
    double nll = 0;
    double js = 0;
};

// NLL of next tokens (positions 0..T−2 of each window) and JS divergence against `baseLogp`
// at every position, for final hidden states `h` (B, T, d).
Sums compare(const Model& model, const at::Tensor& h, const at::Tensor& ids,
             const at::Tensor& baseLogp) {
    const int64_t B = h.size(0), T = h.size(1);
    const at::Tensor flat = finalNorm(model, h).reshape({B * T, -1});
    // Target of row b·T + t is ids[b, t+1]; the last position of a window has none.
    const at::Tensor targets = at::cat({ids.narrow(1, 1, T - 1), at::full({B, 1}, -1, at::kLong)}, 1)
                                   .reshape({B * T});
    const int64_t rows = rowsPerPiece(model);
    Sums s;
    for (int64_t r = 0; r < B * T; r += rows) {
        const int64_t n = std::min(rows, B * T - r);
        const at::Tensor logp =
            at::log_softmax(at::linear(flat.narrow(0, r, n), model.lmHead).to(at::kFloat), -1);
        s.js += jsDivergence(baseLogp.narrow(0, r, n), logp).sum().item<double>();
        const at::Tensor t = targets.narrow(0, r, n);
        const at::Tensor valid = t.ge(0);
        const at::Tensor picked = logp.gather(1, t.clamp_min(0).unsqueeze(1)).squeeze(1);
        s.nll -= picked.masked_select(valid).sum(at::kDouble).item<double>();
    }
    return s;
}

}  // namespace

UnitRemovalScores scoreUnitRemovals(const Model& model, const TokenWindows& windows,
                                    const std::vector<Unit>& units, const Ablation& base,
                                    int64_t batchWindows, const ProgressFn& progress) {
    const int64_t L = model.numLayers(), T = windows.seqLen;
    if (windows.numWindows == 0 || T < 2) throw Error("unit removal: no calibration windows");
    for (const Unit& u : units) {
        if (u.layer < 0 || u.layer >= L) throw Error("unit " + u.label() + " outside the model");
    }
    batchWindows = std::max<int64_t>(1, batchWindows);
    // Work in block forwards: the base pass plus, per unit, the blocks from its layer on.
    int64_t perChunk = L;
    for (const Unit& u : units) perChunk += L - u.layer;
    const int64_t chunks = (windows.numWindows + batchWindows - 1) / batchWindows;
    const int64_t total = perChunk * chunks;
    int64_t done = 0;
    reportProgress(progress, 0, total);

    const at::Tensor all = at::tensor(windows.ids, at::kInt).to(at::kLong).view({windows.numWindows, T});
    std::vector<Sums> sums(units.size());
    double baseNll = 0;
    int64_t predicted = 0, positions = 0;
    for (int64_t w0 = 0; w0 < windows.numWindows; w0 += batchWindows) {
        const at::Tensor ids = all.narrow(0, w0, std::min(batchWindows, windows.numWindows - w0));
        // Unablated (w.r.t. the candidates) pass, caching h_i and h_i + attn_i.
        std::vector<at::Tensor> h(static_cast<std::size_t>(L + 1)), mid(static_cast<std::size_t>(L));
        Taps taps;
        taps.residual = true;
        taps.attnOut = true;
        taps.onTap = [&](const TapPoint& p, const at::Tensor& x) {
            const auto i = static_cast<std::size_t>(p.layer);
            if (p.site == TapSite::Residual) h[i] = x;
            else mid[i] = h[i] + x;
        };
        const at::Tensor hL = runBlocks(model, embedTokens(model, ids), 0, L, base, &taps);
        const at::Tensor baseLogp = logProbs(model, hL);
        const Sums self = compare(model, hL, ids, baseLogp);
        baseNll += self.nll;
        predicted += ids.size(0) * (T - 1);
        positions += ids.size(0) * T;
        done += L;
        reportProgress(progress, done, total);

        for (std::size_t k = 0; k < units.size(); ++k) {
            const Unit& u = units[k];
            const auto i = static_cast<std::size_t>(u.layer);
            at::Tensor out;
            if (u.kind == Unit::Kind::Attn) {
                Ablation a = base;
                a.removeAttn(u.layer);
                out = runBlocks(model, h[i], u.layer, L, a);
            } else if (u.kind == Unit::Kind::Mlp) {
                // Block i's attention output is unchanged: continue from h_i + attn_i, or from
                // h_i when the base plan already removed that attention.
                const at::Tensor start = base.attnRemoved(u.layer) ? h[i] : mid[i];
                out = runBlocks(model, start, u.layer + 1, L, base);
            } else {
                out = runBlocks(model, h[i], u.layer + 1, L, base);
            }
            const Sums s = compare(model, out, ids, baseLogp);
            sums[k].nll += s.nll;
            sums[k].js += s.js;
            done += L - u.layer;
            reportProgress(progress, done, total);
        }
    }
    UnitRemovalScores r;
    r.units = units;
    r.basePerplexity = std::exp(baseNll / static_cast<double>(predicted));
    for (const Sums& s : sums) {
        r.perplexity.push_back(std::exp(s.nll / static_cast<double>(predicted)));
        r.js.push_back(s.js / static_cast<double>(positions));
    }
    return r;
}

}  // namespace lamina
