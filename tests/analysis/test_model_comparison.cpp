// Comparing a whole pruned model with the unpruned one (the GUI's plan check): a plan removing
// one unit scores exactly what scoreUnitRemovals gives that unit (the importance curve), kept
// or recomputed references alike; a plan with a merge agrees with the perplexity code and a
// float64 Jensen–Shannon computed here from full log-softmaxes.

#include <QtTest/QtTest>

#include <cmath>

#include "analysis/model_comparison.h"
#include "analysis/unit_removal.h"
#include "common/error.h"
#include "data/window_ids.h"
#include "eval/perplexity.h"
#include "model/forward.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "workbench/workbench.h"
#include "tiny_model.h"

using namespace lamina;

namespace {

PruningPlan planOf(std::vector<PlanOperation> operations) {
    PruningPlan p;
    p.layers = 3;
    p.operations = std::move(operations);
    return p;
}

// Mean over positions of JS(P‖Q) in float64 from (rows, V) logits.
double naiveJs(const at::Tensor& logitsP, const at::Tensor& logitsQ) {
    const at::Tensor lp = at::log_softmax(logitsP.to(at::kDouble), -1);
    const at::Tensor lq = at::log_softmax(logitsQ.to(at::kDouble), -1);
    const at::Tensor lm = at::logaddexp(lp, lq) - std::log(2.0);
    const at::Tensor js = 0.5 * (lp.exp() * (lp - lm)).sum(-1) + 0.5 * (lq.exp() * (lq - lm)).sum(-1);
    return js.mean().item<double>();
}

}  // namespace

class TestModelComparison : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp, mOther;
    std::shared_ptr<const Model> mModel;
    TokenWindows mWindows;

private Q_SLOTS:
    void initTestCase() {
        at::manual_seed(5);
        test::writeTinyModel(mTmp.path().toStdString());
        mModel = loadModel(mTmp.path().toStdString());
        mWindows = test::randomWindows(5, 9, 32);
    }

    void singleUnitPlanScoresItsRemoval_data() {
        QTest::addColumn<qint64>("keepBytes");
        QTest::newRow("references kept") << qint64{512} * 1024 * 1024;
        QTest::newRow("references recomputed") << qint64{0};
    }
    void singleUnitPlanScoresItsRemoval() {
        QFETCH(qint64, keepBytes);
        std::vector<Unit> units = sublayerUnits(3);
        for (const Unit& u : blockUnits(3)) units.push_back(u);
        RemovalOptions o;
        o.batchWindows = 2;  // three chunks, the last one short
        const UnitRemovalScores scores = scoreUnitRemovals(*mModel, mWindows, units, o);
        ReferenceOutputs reference(*mModel, mWindows, 2, Divergence::Js, keepBytes);
        QCOMPARE(reference.basePerplexity(), scores.basePerplexity);
        for (std::size_t k = 0; k < units.size(); ++k) {
            const auto pruned = applyPlan(*mModel, planOf({PlanOperation::drop(units[k])}));
            const ModelComparison c = reference.compare(*pruned);
            const QByteArray what = QByteArray::fromStdString(units[k].label());
            QVERIFY2(c.perplexity == scores.perplexity[k], what);
            QVERIFY2(c.divergence == scores.divergence[k], what);
            QCOMPARE(c.basePerplexity, scores.basePerplexity);
        }
    }

    void mergePlanMatchesIndependentComputation() {
        const auto pruned = applyPlan(*mModel, planOf({PlanOperation::merge(0, 1, MergeFormula::Rdsc),
                                                       PlanOperation::drop({Unit::Kind::Attn, 2})}));
        QCOMPARE(pruned->numLayers(), int64_t{2});
        ReferenceOutputs reference(*mModel, mWindows, 2);
        const ModelComparison c = reference.compare(*pruned);
        const double ppl = evaluatePerplexity(*pruned, mWindows).perplexity;
        const double base = evaluatePerplexity(*mModel, mWindows).perplexity;
        QVERIFY(std::fabs(c.perplexity - ppl) / ppl < 1e-6);
        QVERIFY(std::fabs(c.basePerplexity - base) / base < 1e-6);
        const at::Tensor ids = windowIds(mWindows);
        const double js = naiveJs(forwardLogits(*mModel, ids).view({45, -1}), forwardLogits(*pruned, ids).view({45, -1}));
        QVERIFY(js > 1e-4);  // the merge changes the output: the comparison below is not 0 = 0
        QVERIFY2(std::fabs(c.divergence - js) < 1e-7 + 1e-5 * js,
                 qPrintable(QString("%1 vs %2").arg(c.divergence, 0, 'g', 12).arg(js, 0, 'g', 12)));
    }

    // What the GUI shows: the plan check of a one-unit plan reads the importance curve's values
    // for that unit exactly (the Workbench picks the analysis's batch and calibration set;
    // 10 × 128 self-generated tokens make two chunks, 8 + 2).
    void workbenchClickEqualsTheCurve() {
        QTemporaryDir results;
        auto wb = Workbench::open(mTmp.path().toStdString(), results.filePath("r.h5").toStdString());
        AnalysisRequest request;
        request.data.windows = 10;
        request.options.metrics = {Metric::PplDrop, Metric::JsDrop};
        const AnalysisReport report = wb->analyze(request);
        QCOMPARE(report.output.importances.size(), std::size_t{2});
        const ImportanceScores& ppl = report.output.importances[0];
        const ImportanceScores& js = report.output.importances[1];
        for (const Unit& u : {Unit{Unit::Kind::Attn, 1}, Unit{Unit::Kind::Mlp, 0}, Unit{Unit::Kind::Block, 2}}) {
            const PlanCheck c = wb->checkPlan(wb->makePlan({PlanOperation::drop(u)}, {{"name", "test"}}), request.data);
            QVERIFY2(c.perplexity == ppl.value(u.label()), qPrintable(QString::fromStdString(u.label())));
            QVERIFY2(c.divergence == js.value(u.label()), qPrintable(QString::fromStdString(u.label())));
            QCOMPARE(c.basePerplexity, ppl.extras.at("base_ppl"));
        }
    }

    void refusesAnotherModelAndCancels() {
        test::writeTinyModel(mOther.path().toStdString());
        const auto other = loadModel(mOther.path().toStdString());
        ReferenceOutputs reference(*mModel, mWindows, 2);
        QVERIFY_THROWS_EXCEPTION(Error, reference.compare(*other));
        QVERIFY_THROWS_EXCEPTION(Cancelled, reference.prepare([](int64_t, int64_t) { return false; }));
        QVERIFY_THROWS_EXCEPTION(Error, ReferenceOutputs(*mModel, TokenWindows{}, 2));
    }
};

QTEST_APPLESS_MAIN(TestModelComparison)
#include "test_model_comparison.moc"
