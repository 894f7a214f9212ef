#include "analysis/removal_compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "analysis/distribution_distance.h"
#include "model/forward.h"

namespace lamina::removal {

namespace {

// Rows of logits per piece: 16 MB of float32 whatever the vocabulary.
int64_t rowsPerPiece(const Model& model) {
    return std::max<int64_t>(1, (int64_t{4} << 20) / model.config.vocabSize);
}

}  // namespace

Reference makeReference(const Model& model, const at::Tensor& head, const at::Tensor& hL,
                        Divergence divergence) {
    Reference r;
    r.normed = finalNorm(model, hL).reshape({-1, hL.size(-1)});
    const int64_t rows = rowsPerPiece(model);
    r.head = head;
    std::vector<at::Tensor> pieces;
    for (int64_t i = 0; i < r.normed.size(0); i += rows) {
        const int64_t n = std::min(rows, r.normed.size(0) - i);
        at::Tensor logits = at::linear(r.normed.narrow(0, i, n), r.head).to(at::kFloat);
        pieces.push_back(divergence == Divergence::L2 ? logits : logSoftmaxInPlace(logits));
    }
    r.values = at::cat(pieces, 0);
    return r;
}

Compared compare(const Model& model, const at::Tensor& h, const at::Tensor& ids, const Reference& ref,
                 Divergence divergence, const KeepGoing& keepGoing, bool perRow) {
    const int64_t B = h.size(0), T = h.size(1);
    at::Tensor flat = finalNorm(model, h).reshape({B * T, -1});
    // Target of row b·T + t is ids[b, t+1]; the last position of a window has none.
    at::Tensor targets =
        at::cat({ids.narrow(1, 1, T - 1), at::full({B, 1}, -1, at::kLong)}, 1).reshape({B * T}).to(h.device());
    if (ref.order.defined()) {
        flat = flat.index_select(0, ref.order);
        targets = targets.index_select(0, ref.order);
    }
    const int64_t rows = rowsPerPiece(model);
    Compared c;
    Sums& s = c.sums;
    std::vector<at::Tensor> rowDivergence, rowNll;
    for (int64_t r = 0; r < B * T; r += rows) {
        if (keepGoing && r > 0 && !keepGoing(s, r)) break;
        const int64_t n = std::min(rows, B * T - r);
        const at::Tensor logits = at::linear(flat.narrow(0, r, n), ref.head).to(at::kFloat);
        const at::Tensor refValues = ref.values.narrow(0, r, n);
        at::Tensor perRowDivergence;
        // L2 compares the logits themselves, before the log-softmax overwrites them.
        if (divergence == Divergence::L2) perRowDivergence = (logits - refValues).to(at::kDouble).norm(2, {-1});
        const at::Tensor logq = logSoftmaxInPlace(logits);
        switch (divergence) {
            case Divergence::Js:
                perRowDivergence = jsDivergence(refValues, logq);
                s.divergence += perRowDivergence.sum().item<double>();
                break;
            case Divergence::JsReleased: {
                const at::Tensor& logp = refValues;
                const at::Tensor logm = at::logaddexp(logp, logq) - std::log(2.0);
                const at::Tensor m = logm.exp();
                const at::Tensor terms = m * (2 * logm - logp - logq);
                s.divergence += 0.5 * terms.sum(at::kDouble).item<double>();
                if (perRow) perRowDivergence = 0.5 * terms.sum(-1, false, at::kDouble);
                break;
            }
            case Divergence::Kl:
                perRowDivergence = klDivergence(refValues, logq);
                s.divergence += perRowDivergence.sum().item<double>();
                break;
            case Divergence::Angular: {
                const at::Tensor cos = at::cosine_similarity(
                    ref.normed.narrow(0, r, n).to(at::kDouble), flat.narrow(0, r, n).to(at::kDouble), -1);
                perRowDivergence = at::acos(cos.clamp(-1, 1)) / M_PI;
                s.divergence += perRowDivergence.sum().item<double>();
                break;
            }
            case Divergence::L2:
                s.divergence += perRowDivergence.sum().item<double>();
                break;
        }
        const at::Tensor t = targets.narrow(0, r, n);
        const at::Tensor picked = logq.gather(1, t.clamp_min(0).unsqueeze(1)).squeeze(1);
        s.nll -= picked.masked_select(t.ge(0)).sum(at::kDouble).item<double>();
        if (perRow) {
            rowDivergence.push_back(perRowDivergence.to(at::kDouble));
            rowNll.push_back(-(picked.to(at::kDouble) * t.ge(0)));
        }
        c.rows = r + n;
    }
    if (perRow && !rowNll.empty()) {
        c.rowDivergence = at::cat(rowDivergence);
        c.rowNll = at::cat(rowNll);
    }
    return c;
}

Reference inRowOrder(const Reference& ref, const Compared& base, BoundMetric by) {
    const at::Tensor& metric = by == BoundMetric::Nll ? base.rowNll : base.rowDivergence;
    if (ref.order.defined() || !metric.defined() || metric.size(0) != ref.values.size(0)) {
        throw std::logic_error("inRowOrder: needs a reference in natural order and a complete per-row comparison");
    }
    Reference out = ref;
    out.order = std::get<1>(at::sort(metric, /*stable=*/true, 0, /*descending=*/true)).to(ref.values.device());
    out.normed = ref.normed.index_select(0, out.order);
    out.values = ref.values.index_select(0, out.order);
    return out;
}

OrderedReference orderedReference(const Model& model, const at::Tensor& hL, const at::Tensor& ids,
                                  const Reference& natural, Divergence divergence, BoundMetric by) {
    const Compared base = compare(model, hL, ids, natural, divergence, {}, /*perRow=*/true);
    return {inRowOrder(natural, base, by), base.sums.nll};
}

double divergenceScale(const Model& model, int64_t positions, Divergence divergence) {
    const auto p = static_cast<double>(positions);
    return divergence == Divergence::JsReleased ? p * static_cast<double>(model.config.vocabSize) : p;
}

UnitRemovalScores assembleScores(const Model& model, const TokenWindows& windows,
                                 const std::vector<Unit>& units, const std::vector<UnitSums>& sums,
                                 double baseNll, const RemovalOptions& options) {
    const int64_t positions = windows.numWindows * windows.seqLen;
    const int64_t predicted = windows.numWindows * (windows.seqLen - 1);
    UnitRemovalScores r;
    r.units = units;
    r.basePerplexity = std::exp(baseNll / static_cast<double>(predicted));
    const double scale = divergenceScale(model, positions, options.divergence);
    const double inf = std::numeric_limits<double>::infinity();
    const bool byNll = options.boundBy == BoundMetric::Nll;
    for (const UnitSums& u : sums) {
        const double metric = byNll ? u.sums.nll : u.sums.divergence;
        r.estimate.push_back(metric / static_cast<double>(std::max<int64_t>(1, u.rows)));
        if (u.abandoned) {
            ++r.abandoned;
            r.nll.push_back(inf);
            r.perplexity.push_back(inf);
            r.divergence.push_back(inf);
            continue;
        }
        const double nll = u.sums.nll / static_cast<double>(predicted);
        r.nll.push_back(nll);
        r.perplexity.push_back(std::exp(nll));
        r.divergence.push_back(u.sums.divergence / scale);
    }
    return r;
}

double roundingSlackPerRow(Divergence divergence) {
    switch (divergence) {
        case Divergence::Js:
        case Divergence::JsReleased:
        case Divergence::Kl:
            return 1e-6;
        case Divergence::Angular:
        case Divergence::L2:
            return 0;
    }
    return 1e-6;
}

}  // namespace lamina::removal
