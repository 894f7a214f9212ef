// The fused CPU passes for JS, KL and log-softmax against the same formulas evaluated by ATen
// in float64, on distributions from flat to one-hot, equal and disjoint, with −inf
// log-probabilities and row lengths that are not a multiple of the vector block.

#include <QtTest/QtTest>

#include <cmath>
#include <limits>

#include "analysis/distribution_distance.h"

using namespace lamina;

namespace {

// Log-softmax rows of random logits at temperature 1/`sharpness` (large: nearly one-hot).
at::Tensor logProbs(int64_t rows, int64_t vocab, double sharpness) {
    return at::log_softmax(at::randn({rows, vocab}, at::kFloat) * sharpness, -1);
}

// |fused − exact| within float32 rounding of the row's terms: each term's relative error is a
// few ulp. JS terms are bounded by p + q, so a row's error is a few ulp of Σ(p+q) = 2; a KL
// term p·(log p − log q) is not, and its error scales with the row's value.
void expectClose(const at::Tensor& fused, const at::Tensor& exact, bool relative, const char* what) {
    QCOMPARE(fused.scalar_type(), at::kDouble);
    QCOMPARE(fused.sizes(), exact.sizes());
    const at::Tensor scale = relative ? exact.abs().clamp_min(1.0) : at::ones_like(exact);
    const double worst = ((fused - exact).abs() / scale).max().item<double>();
    if (!(worst <= 2e-6)) QFAIL(qPrintable(QString("%1: worst error %2").arg(what).arg(worst)));
}

void checkBoth(const at::Tensor& lp, const at::Tensor& lq, const char* what) {
    const at::Tensor exactJs = jsDivergenceByOps(lp.to(at::kDouble), lq.to(at::kDouble));
    const at::Tensor exactKl = klDivergenceByOps(lp.to(at::kDouble), lq.to(at::kDouble));
    expectClose(jsDivergence(lp, lq), exactJs, false, what);
    expectClose(klDivergence(lp, lq), exactKl, true, what);
}

}  // namespace

class TestDistributionDistance : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { at::manual_seed(11); }

    void agreesWithFloat64_data() {
        QTest::addColumn<int>("vocab");
        QTest::addColumn<double>("sharpness");
        QTest::newRow("flat, V=32000") << 32000 << 0.1;
        QTest::newRow("typical, V=32000") << 32000 << 3.0;
        QTest::newRow("peaked, V=32000") << 32000 << 30.0;
        QTest::newRow("near one-hot, V=151") << 151 << 300.0;
        QTest::newRow("tail only, V=7") << 7 << 2.0;
    }

    void agreesWithFloat64() {
        QFETCH(int, vocab);
        QFETCH(double, sharpness);
        const at::Tensor lp = logProbs(24, vocab, sharpness);
        checkBoth(lp, logProbs(24, vocab, sharpness), "independent rows");
        // A small perturbation: JS is second order in it, so cancellation shows here.
        const at::Tensor near = at::log_softmax(lp + 1e-3 * at::randn_like(lp), -1);
        checkBoth(lp, near, "perturbed rows");
        const at::Tensor js = jsDivergence(lp, lp), kl = klDivergence(lp, lp);
        QCOMPARE(js.abs().max().item<double>(), 0.0);  // equal rows: every term is exactly 0
        QCOMPARE(kl.abs().max().item<double>(), 0.0);
    }

    // Disjoint supports: JS reaches its maximum ln 2; −inf entries give no NaN.
    void disjointSupportsGiveLn2() {
        const float inf = std::numeric_limits<float>::infinity();
        at::Tensor lp = at::full({2, 37}, -inf, at::kFloat), lq = lp.clone();
        lp.narrow(1, 0, 18).fill_(-std::log(18.0f));
        lq.narrow(1, 18, 19).fill_(-std::log(19.0f));
        const at::Tensor js = jsDivergence(lp, lq);
        QVERIFY(std::fabs(js[0].item<double>() - std::log(2.0)) < 1e-6);
        QVERIFY(std::fabs(js[1].item<double>() - std::log(2.0)) < 1e-6);
        QVERIFY(std::isinf(klDivergence(lp, lq)[0].item<double>()));
    }

    // The fused in-place log-softmax against ATen's in float64: flat to near one-hot rows,
    // large offsets (the max is subtracted first), lengths off the vector block; and where
    // it cannot run in place (float64, a column-major view) ATen's, with the input kept.
    void logSoftmaxAgreesWithFloat64_data() {
        QTest::addColumn<int>("vocab");
        QTest::addColumn<double>("sharpness");
        QTest::addColumn<double>("offset");
        QTest::newRow("flat, V=32000") << 32000 << 0.1 << 0.0;
        QTest::newRow("typical, V=32000, offset") << 32000 << 3.0 << 40.0;
        QTest::newRow("peaked, V=151") << 151 << 300.0 << -20.0;
        QTest::newRow("tail only, V=7") << 7 << 2.0 << 0.0;
    }
    void logSoftmaxAgreesWithFloat64() {
        QFETCH(int, vocab);
        QFETCH(double, sharpness);
        QFETCH(double, offset);
        const at::Tensor logits = at::randn({24, vocab}, at::kFloat) * sharpness + offset;
        const at::Tensor exact = at::log_softmax(logits.to(at::kDouble), -1);
        at::Tensor work = logits.clone();
        const at::Tensor fused = logSoftmaxInPlace(work);
        QCOMPARE(fused.data_ptr(), work.data_ptr());
        // Within about two float32 ulps of the logits' and the results' size.
        const double tol =
            2.5e-7 * (1.0 + logits.abs().max().item<double>() + exact.abs().max().item<double>());
        const double worst = (fused.to(at::kDouble) - exact).abs().max().item<double>();
        if (!(worst <= tol)) QFAIL(qPrintable(QString("worst error %1 > %2").arg(worst).arg(tol)));
        // And no drift: ATen's float32 log-softmax (mean error ~1e-6 at V = 32,000, see
        // bench_scoring_parts) fails this bound.
        const double bias = (fused.to(at::kDouble) - exact).mean().item<double>();
        const double biasTol = 2e-8 * (1.0 + exact.abs().max().item<double>());
        if (!(std::fabs(bias) < biasTol)) QFAIL(qPrintable(QString("mean error %1 > %2").arg(bias).arg(biasTol)));
        // The probabilities sum to 1.
        QVERIFY((fused.to(at::kDouble).exp().sum(-1) - 1).abs().max().item<double>() < 1e-6);

        const at::Tensor wide = at::randn({vocab, 24}, at::kFloat).t();  // column-major rows
        const at::Tensor kept = wide.clone();
        QVERIFY(at::allclose(logSoftmaxInPlace(wide).to(at::kDouble), at::log_softmax(kept.to(at::kDouble), -1),
                             1e-6, 1e-6));
        QVERIFY(at::equal(wide, kept));
    }

    // Inputs the fused pass does not take (float64, strided rows) give the ATen values.
    void otherLayoutsFallBack() {
        const at::Tensor lp = logProbs(6, 50, 2.0).to(at::kDouble);
        const at::Tensor lq = logProbs(6, 50, 2.0).to(at::kDouble);
        QVERIFY(at::equal(jsDivergence(lp, lq), jsDivergenceByOps(lp, lq)));
        const at::Tensor wide = logProbs(6, 100, 2.0);
        const at::Tensor strided = wide.narrow(1, 0, 50), other = wide.narrow(1, 50, 50);
        expectClose(jsDivergence(strided.t().contiguous().t(), other),
                    jsDivergenceByOps(strided.to(at::kDouble), other.to(at::kDouble)),
                    false, "column-major rows");
    }
};

QTEST_GUILESS_MAIN(TestDistributionDistance)
#include "test_distribution_distance.moc"
