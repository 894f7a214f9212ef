// Properties of the similarity measures (methods.md): CKA(X,X) = 1, symmetry, invariance to
// orthogonal transforms and isotropic scaling, unbiased ≈ biased for large n, RBF → linear
// as σ → ∞; and the streaming accumulator equals the direct formulas.

#include <QtTest/QtTest>

#include <algorithm>
#include <array>
#include <cmath>

#include "analysis/cka.h"
#include "analysis/similarity_accumulator.h"

using namespace lamina;

namespace {

at::Tensor randomOrthogonal(int64_t d) {
    return std::get<0>(at::linalg_qr(at::randn({d, d}, at::kDouble)));
}

// Y shares part of X's structure plus noise, so CKA values are neither 0 nor 1.
std::pair<at::Tensor, at::Tensor> correlatedPair(int64_t n, int64_t d) {
    const at::Tensor X = at::randn({n, d}, at::kDouble);
    const at::Tensor Y = at::mm(X, at::randn({d, d + 3}, at::kDouble)) * 0.5 +
                         at::randn({n, d + 3}, at::kDouble);
    return {X, Y};
}

}  // namespace

class TestCka : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { at::manual_seed(1234); }

    void selfSimilarityIsOne() {
        const at::Tensor X = at::randn({200, 16});
        QVERIFY(std::fabs(ckaLinear(X, X) - 1) < 1e-12);
        QVERIFY(std::fabs(ckaRbf(X, X) - 1) < 1e-12);
        QVERIFY(std::fabs(ckaUnbiased(X, X) - 1) < 1e-12);
    }

    void symmetricAndBounded() {
        const auto [X, Y] = correlatedPair(300, 12);
        const double xy = ckaLinear(X, Y), yx = ckaLinear(Y, X);
        QVERIFY(std::fabs(xy - yx) < 1e-12);
        QVERIFY(xy > 0.05 && xy < 0.95);
        QVERIFY(std::fabs(ckaRbf(X, Y) - ckaRbf(Y, X)) < 1e-12);
        QVERIFY(std::fabs(ckaUnbiased(X, Y) - ckaUnbiased(Y, X)) < 1e-12);
    }

    void orthogonalAndScaleInvariance() {
        const auto [X, Y] = correlatedPair(250, 10);
        const at::Tensor Q = randomOrthogonal(10);
        const double base = ckaLinear(X, Y);
        QVERIFY(std::fabs(ckaLinear(at::mm(X, Q), Y) - base) < 1e-10);
        QVERIFY(std::fabs(ckaLinear(X * 7.5, Y) - base) < 1e-10);
        const double rbf = ckaRbf(X, Y);
        QVERIFY(std::fabs(ckaRbf(at::mm(X, Q), Y) - rbf) < 1e-10);
        QVERIFY(std::fabs(ckaRbf(X * 7.5, Y) - rbf) < 1e-10);
        const double unb = ckaUnbiased(X, Y);
        QVERIFY(std::fabs(ckaUnbiased(at::mm(X, Q) * 3, Y) - unb) < 1e-10);
    }

    // Linear CKA also equals the Gram-matrix form.
    void gramFormAgrees() {
        const auto [X, Y] = correlatedPair(150, 8);
        QVERIFY(std::fabs(ckaFromGrams(linearGram(X), linearGram(Y)) - ckaLinear(X, Y)) < 1e-10);
    }

    // hsicUnbiased equals the U-statistic it estimates (Song et al. 2012, Theorem 2), computed
    // by brute force over all ordered 4-tuples of distinct samples.
    void unbiasedHsicIsTheUStatistic() {
        const int64_t n = 7;
        const at::Tensor K = linearGram(at::randn({n, 3}, at::kDouble));
        const at::Tensor L = linearGram(at::randn({n, 2}, at::kDouble));
        auto k = [&](int64_t a, int64_t b) { return K[a][b].item<double>(); };
        auto l = [&](int64_t a, int64_t b) { return L[a][b].item<double>(); };
        double sum = 0;
        int64_t tuples = 0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j)
                for (int64_t q = 0; q < n; ++q)
                    for (int64_t r = 0; r < n; ++r) {
                        if (i == j || i == q || i == r || j == q || j == r || q == r) continue;
                        ++tuples;
                        std::array<int64_t, 4> p = {i, j, q, r};
                        std::sort(p.begin(), p.end());
                        double h = 0;
                        do {  // h = mean over the 24 orderings (s,t,u,v)
                            const auto [s, t, u, v] = p;
                            h += k(s, t) * l(s, t) + k(s, t) * l(u, v) - 2 * k(s, t) * l(s, u);
                        } while (std::next_permutation(p.begin(), p.end()));
                        sum += h / 24;
                    }
        const double expected = sum / static_cast<double>(tuples);
        QVERIFY2(std::fabs(hsicUnbiased(K, L) - expected) < 1e-10,
                 qPrintable(QString("%1 vs %2").arg(hsicUnbiased(K, L)).arg(expected)));
    }

    void unbiasedCloseToBiasedForLargeN() {
        const auto [X, Y] = correlatedPair(3000, 8);
        const double biased = ckaLinear(X, Y), unbiased = ckaUnbiased(X, Y);
        QVERIFY2(std::fabs(biased - unbiased) < 0.01,
                 qPrintable(QString("biased %1 unbiased %2").arg(biased).arg(unbiased)));
        // For small n the biased estimator is inflated by noise; the unbiased one is not.
        const at::Tensor A = at::randn({40, 30}, at::kDouble), B = at::randn({40, 30}, at::kDouble);
        QVERIFY(ckaLinear(A, B) > 0.3);
        QVERIFY(std::fabs(ckaUnbiased(A, B)) < 0.1);
    }

    void rbfApproachesLinearForLargeSigma() {
        const auto [X, Y] = correlatedPair(200, 6);
        const double linear = ckaLinear(X, Y);
        const double wide = ckaRbf(X, Y, 200.0), narrow = ckaRbf(X, Y, 0.5);
        QVERIFY2(std::fabs(wide - linear) < 1e-4,
                 qPrintable(QString("rbf %1 linear %2").arg(wide).arg(linear)));
        QVERIFY(std::fabs(narrow - linear) > 1e-3);  // the limit is not trivially reached
    }

    // The streaming accumulator reproduces the direct formulas, however the tokens are chunked.
    void accumulatorMatchesDirect() {
        const int64_t n = 600, R = 4;
        std::vector<at::Tensor> sites;
        at::Tensor base = at::randn({n, 8}, at::kDouble);
        for (int64_t r = 0; r < R; ++r) {
            base = base + 0.7 * at::randn({n, 8}, at::kDouble);  // drifting, like a residual stream
            sites.push_back(base.clone());
        }
        SimilarityOptions o;
        o.linear = o.unbiased = o.rbf = o.cosine = true;
        o.minibatchTokens = 100;
        o.maxExactTokens = n;
        SimilarityAccumulator acc(R, n, o);
        const std::vector<int64_t> cuts = {0, 37, 250, 251, 599, 600};  // uneven chunks
        for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
            std::vector<at::Tensor> chunk;
            for (const auto& s : sites) chunk.push_back(s.narrow(0, cuts[c], cuts[c + 1] - cuts[c]));
            acc.add(chunk);
        }
        const auto out = acc.finish();
        for (int64_t i = 0; i < R; ++i) {
            for (int64_t j = 0; j < R; ++j) {
                const auto& a = sites[i];
                const auto& b = sites[j];
                QVERIFY(std::fabs(out.at("cka_linear")[i][j].item<double>() - ckaLinear(a, b)) < 1e-5);
                QVERIFY(std::fabs(out.at("cka_rbf")[i][j].item<double>() - ckaRbf(a, b)) < 1e-5);
                double hab = 0, haa = 0, hbb = 0;
                for (int64_t k = 0; k < 6; ++k) {
                    const at::Tensor ka = linearGram(a.narrow(0, k * 100, 100));
                    const at::Tensor kb = linearGram(b.narrow(0, k * 100, 100));
                    hab += hsicUnbiased(ka, kb);
                    haa += hsicUnbiased(ka, ka);
                    hbb += hsicUnbiased(kb, kb);
                }
                QVERIFY(std::fabs(out.at("cka_unbiased")[i][j].item<double>() -
                                  hab / std::sqrt(haa * hbb)) < 1e-6);
                const at::Tensor cos = at::cosine_similarity(a, b, 1);
                QVERIFY(std::fabs(out.at("cosine")[i][j].item<double>() - cos.mean().item<double>()) < 1e-5);
                const double angle = (at::acos(cos.clamp(-1, 1)) / M_PI).mean().item<double>();
                QVERIFY(std::fabs(out.at("angular_distance")[i][j].item<double>() - angle) < 1e-4);
            }
        }
        // Neighbouring sites of a drifting stream are more similar than distant ones.
        QVERIFY(out.at("cka_linear")[0][1].item<double>() > out.at("cka_linear")[0][3].item<double>());
    }

    // With a token cap, exact CKA uses every k-th token.
    void exactTokensAreStrided() {
        const int64_t n = 1000;
        const at::Tensor A = at::randn({n, 5}, at::kDouble), B = A + at::randn({n, 5}, at::kDouble);
        SimilarityOptions o;
        o.linear = true;
        o.maxExactTokens = 250;  // stride 4
        SimilarityAccumulator acc(2, n, o);
        acc.add({A.narrow(0, 0, 333), B.narrow(0, 0, 333)});
        acc.add({A.narrow(0, 333, 667), B.narrow(0, 333, 667)});
        const auto out = acc.finish();
        QCOMPARE(acc.exactTokens(), 250);
        const at::Tensor idx = at::arange(0, n, 4, at::kLong);
        const double expected = ckaLinear(A.index_select(0, idx), B.index_select(0, idx));
        QVERIFY(std::fabs(out.at("cka_linear")[0][1].item<double>() - expected) < 1e-5);
    }
};

QTEST_APPLESS_MAIN(TestCka)
#include "test_cka.moc"
