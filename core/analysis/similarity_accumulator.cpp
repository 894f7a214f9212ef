#include "analysis/similarity_accumulator.h"

#include <cmath>

#include "analysis/cka.h"
#include "common/error.h"

namespace lamina {

namespace {

const auto kF64 = at::TensorOptions().dtype(at::kDouble);

// One row of the stacked Gram matrices: K centred (H K H) and divided by its Frobenius norm,
// flattened to float32. Dot products of two rows are the biased-HSIC CKA of the pair.
at::Tensor normalisedGramRow(const at::Tensor& K) {
    const at::Tensor kc = K - K.mean(1, true) - K.mean(0, true) + K.mean();
    const double norm = kc.norm().item<double>();
    return (norm > 0 ? kc / norm : kc).reshape({1, -1}).to(at::kFloat);
}

// Pairwise dot products of the rows (R, n²): float32 GEMMs over slices, summed in float64.
at::Tensor ckaFromGramRows(const std::vector<at::Tensor>& rows) {
    const at::Tensor G = at::cat(rows, 0);
    at::Tensor out = at::zeros({G.size(0), G.size(0)}, kF64);
    for (int64_t c = 0; c < G.size(1); c += 65536) {
        const at::Tensor g = G.narrow(1, c, std::min<int64_t>(65536, G.size(1) - c));
        out += at::mm(g, g.t()).to(at::kDouble);
    }
    return out;
}

// Linear CKA of every pair of column-centred representations (n, d). With n ≤ d the Gram
// form ‖X̃ᵢX̃ᵢᵀ‖-normalised dot products is cheaper; otherwise the feature form
// ‖X̃ⱼᵀX̃ᵢ‖²_F / (‖X̃ᵢᵀX̃ᵢ‖_F ‖X̃ⱼᵀX̃ⱼ‖_F) keeps only d×d products in memory.
at::Tensor linearCkaMatrix(const std::vector<at::Tensor>& centred) {
    const auto R = static_cast<int64_t>(centred.size());
    const int64_t n = centred[0].size(0);
    int64_t maxD = 0;
    for (const at::Tensor& x : centred) maxD = std::max(maxD, x.size(1));
    if (n <= maxD) {
        std::vector<at::Tensor> rows;
        for (const at::Tensor& x : centred) rows.push_back(normalisedGramRow(at::mm(x, x.t())));
        return ckaFromGramRows(rows);
    }
    at::Tensor hsic = at::zeros({R, R}, kF64);
    for (int64_t i = 0; i < R; ++i) {
        for (int64_t j = 0; j <= i; ++j) {
            const at::Tensor c = at::mm(centred[static_cast<std::size_t>(j)].t(),
                                        centred[static_cast<std::size_t>(i)]);
            const double v = c.pow(2).sum(at::kDouble).item<double>();
            hsic[i][j] = v;
            hsic[j][i] = v;
        }
    }
    const at::Tensor d = hsic.diagonal().sqrt();
    const at::Tensor denom = at::outer(d, d);
    return at::where(denom.gt(0), hsic / denom, at::zeros_like(hsic));
}

}  // namespace

SimilarityAccumulator::SimilarityAccumulator(int64_t numSites, int64_t totalTokens,
                                             const SimilarityOptions& options)
    : mSites(numSites),
      mOptions(options),
      mStride(std::max<int64_t>(1, (totalTokens + options.maxExactTokens - 1) /
                                       std::max<int64_t>(1, options.maxExactTokens))),
      mExact(static_cast<std::size_t>(numSites)),
      mPending(static_cast<std::size_t>(numSites)),
      mHsic(at::zeros({numSites, numSites}, kF64)),
      mCosSum(at::zeros({numSites, numSites}, kF64)),
      mAngleSum(at::zeros({numSites, numSites}, kF64)) {
    if (options.unbiased && options.minibatchTokens < 4) {
        throw Error("unbiased CKA: minibatch must hold at least 4 tokens");
    }
}

void SimilarityAccumulator::add(const std::vector<at::Tensor>& sites) {
    if (static_cast<int64_t>(sites.size()) != mSites) {
        throw Error("similarity: expected " + std::to_string(mSites) + " sites");
    }
    const int64_t m = sites[0].size(0);
    if (mOptions.linear || mOptions.rbf) {
        // Tokens whose global index is a multiple of the stride.
        const int64_t first = (mStride - mSeen % mStride) % mStride;
        if (first < m) {
            const at::Tensor idx = at::arange(first, m, mStride, at::kLong);
            for (int64_t r = 0; r < mSites; ++r) {
                mExact[static_cast<std::size_t>(r)].push_back(
                    sites[static_cast<std::size_t>(r)].index_select(0, idx).to(at::kFloat));
            }
            mExactKept += idx.size(0);
        }
    }
    if (mOptions.cosine) {
        // Per-token cosines of every pair, (t, R, d)·(t, d, R) → (t, R, R), in token groups
        // of 128 so the stacked copy stays small for wide models.
        for (int64_t t0 = 0; t0 < m; t0 += 128) {
            const int64_t t = std::min<int64_t>(128, m - t0);
            std::vector<at::Tensor> unit;
            for (const at::Tensor& site : sites) {
                const at::Tensor x = site.narrow(0, t0, t).to(at::kFloat);
                unit.push_back(x / x.norm(2, {-1}, true).clamp_min(1e-30));
            }
            const at::Tensor u = at::stack(unit, 1);  // (t, R, d)
            const at::Tensor cos = at::bmm(u, u.transpose(1, 2)).to(at::kDouble).clamp(-1.0, 1.0);
            mCosSum += cos.sum(0);
            mAngleSum += (at::acos(cos) / M_PI).sum(0);
        }
    }
    if (mOptions.unbiased) {
        for (int64_t r = 0; r < mSites; ++r) {
            mPending[static_cast<std::size_t>(r)].push_back(sites[static_cast<std::size_t>(r)].to(at::kFloat));
        }
        mPendingTokens += m;
        while (mPendingTokens >= mOptions.minibatchTokens) flushMinibatch();
    }
    mSeen += m;
}

// One minibatch of unbiased HSIC for every pair at once (Song et al. eq. 5 in matrix form).
void SimilarityAccumulator::flushMinibatch() {
    const int64_t m = mOptions.minibatchTokens;
    std::vector<at::Tensor> grams, rowSums;
    std::vector<double> totals;
    for (auto& pending : mPending) {
        const at::Tensor all = at::cat(pending, 0);
        const at::Tensor batch = all.narrow(0, 0, m);
        pending = {all.narrow(0, m, all.size(0) - m)};
        at::Tensor K = linearGram(batch).fill_diagonal_(0);  // K̃ (m, m)
        rowSums.push_back(K.sum(1));
        totals.push_back(K.sum().item<double>());
        grams.push_back(K.reshape({1, -1}));
    }
    mPendingTokens -= m;
    const at::Tensor G = at::cat(grams, 0);       // (R, m²)
    const at::Tensor r = at::stack(rowSums, 0);   // (R, m)
    const at::Tensor s = at::tensor(totals, kF64);
    const double dm = static_cast<double>(m);
    const at::Tensor hsic = (at::mm(G, G.t()) + at::outer(s, s) / ((dm - 1) * (dm - 2)) -
                             at::mm(r, r.t()) * (2 / (dm - 2))) /
                            (dm * (dm - 3));
    mHsic += hsic;
    ++mMinibatches;
}

std::map<std::string, at::Tensor> SimilarityAccumulator::finish() {
    std::map<std::string, at::Tensor> out;
    if (mOptions.linear || mOptions.rbf) {
        if (mExactKept < 2) throw Error("similarity: fewer than 2 tokens for CKA");
        std::vector<at::Tensor> centred, rbf;
        for (auto& rows : mExact) {
            const at::Tensor X = at::cat(rows, 0).to(at::kDouble);
            rows.clear();
            // Centre in float64 (residual streams have large means), multiply in float32.
            if (mOptions.linear) centred.push_back((X - X.mean(0, true)).to(at::kFloat));
            if (mOptions.rbf) {
                // The kernel is n² per site: thin the kept tokens further to maxRbfTokens.
                const int64_t n = X.size(0);
                const int64_t step = (n + mOptions.maxRbfTokens - 1) / std::max<int64_t>(1, mOptions.maxRbfTokens);
                const at::Tensor Xr = step > 1 ? X.index_select(0, at::arange(0, n, step, at::kLong)) : X;
                mRbfTokens = Xr.size(0);
                rbf.push_back(normalisedGramRow(rbfGram(Xr, mOptions.rbfSigmaFraction)));
            }
        }
        if (mOptions.linear) out["cka_linear"] = linearCkaMatrix(centred);
        if (mOptions.rbf) out["cka_rbf"] = ckaFromGramRows(rbf);
    }
    if (mOptions.unbiased) {
        if (mMinibatches == 0) {
            throw Error("unbiased CKA: fewer tokens (" + std::to_string(mSeen) +
                        ") than one minibatch (" + std::to_string(mOptions.minibatchTokens) + ")");
        }
        const at::Tensor d = mHsic.diagonal().clamp_min(0).sqrt();
        const at::Tensor denom = at::outer(d, d);
        out["cka_unbiased"] = at::where(denom.gt(0), mHsic / denom, at::zeros_like(mHsic));
    }
    if (mOptions.cosine) {
        out["cosine"] = mCosSum / static_cast<double>(mSeen);
        out["angular_distance"] = mAngleSum / static_cast<double>(mSeen);
    }
    return out;
}

}  // namespace lamina
