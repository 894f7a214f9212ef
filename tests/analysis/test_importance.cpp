// Importance metrics on small random models (no fixtures): prefix reuse equals the naive
// computation, Taylor scores match finite-difference gradients, magnitude matches the
// checkpoint's weights.

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>

#include "analysis/distribution_distance.h"
#include "analysis/unit_removal.h"
#include "analysis/weight_scores.h"
#include "common/error.h"
#include "eval/perplexity.h"
#include "model/forward.h"
#include "model/model.h"
#include "tiny_model.h"

using namespace lamina;

namespace {

// Every sublayer, then every block.
std::vector<Unit> everyUnit(int64_t layers) {
    std::vector<Unit> units = sublayerUnits(layers);
    for (const Unit& u : blockUnits(layers)) units.push_back(u);
    return units;
}

// Mean next-token NLL over all windows (the loss Taylor differentiates), float64.
double meanLoss(const Model& m, const TokenWindows& w) {
    return evaluatePerplexity(m, w, {}, 16).meanNll;
}

}  // namespace

class TestImportance : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;
    std::shared_ptr<const Model> mModel;
    TokenWindows mWindows;

private Q_SLOTS:
    void initTestCase() {
        at::manual_seed(3);
        test::writeTinyModel(mTmp.path().toStdString());
        mModel = loadModel(mTmp.path().toStdString());
        mWindows = test::randomWindows(5, 9, 32);
    }

    // Every unit's removal scored with prefix reuse equals removing it and running from
    // block 0 through the independent perplexity code path.
    void removalMatchesNaive() {
        const std::vector<Unit> units = everyUnit(3);
        RemovalOptions o;
        o.batchWindows = 2;
        const UnitRemovalScores r = scoreUnitRemovals(*mModel, mWindows, units, o);
        const double base = evaluatePerplexity(*mModel, mWindows).perplexity;
        QVERIFY(std::fabs(r.basePerplexity - base) / base < 1e-6);
        const at::Tensor ids = at::tensor(mWindows.ids, at::kInt).to(at::kLong).view({5, 9});
        const at::Tensor baseLogp = at::log_softmax(forwardLogits(*mModel, ids), -1).view({45, -1});
        for (std::size_t k = 0; k < units.size(); ++k) {
            Ablation a;
            a.remove(units[k]);
            const double naive = evaluatePerplexity(*mModel, mWindows, a).perplexity;
            QVERIFY2(std::fabs(r.perplexity[k] - naive) / naive < 1e-6,
                     qPrintable(QString::fromStdString(units[k].label())));
            const at::Tensor logp = at::log_softmax(forwardLogits(*mModel, ids, a), -1).view({45, -1});
            const double js = jsDivergence(baseLogp, logp).mean().item<double>();
            QVERIFY(std::fabs(r.divergence[k] - js) < 1e-7 + 1e-5 * js);
            QVERIFY(r.divergence[k] > 0);
        }
    }

    // Bounded search: whichever unit leads and whether chunk contexts are kept or rebuilt,
    // the arg-min and its scores are bit-identical to scoring every unit, and the others are
    // either exact or abandoned (+inf). A bad leader still finds the true arg-min.
    void boundedSearchKeepsTheArgMin_data() {
        QTest::addColumn<int>("metric");
        QTest::addColumn<int>("keepBytes");
        QTest::newRow("divergence, kept") << 0 << (512 << 20);
        QTest::newRow("divergence, rebuilt") << 0 << 0;
        QTest::newRow("nll, kept") << 1 << (512 << 20);
        QTest::newRow("nll, rebuilt") << 1 << 0;
    }
    void boundedSearchKeepsTheArgMin() {
        QFETCH(int, metric);
        QFETCH(int, keepBytes);
        const std::vector<Unit> units = everyUnit(3);
        RemovalOptions o;
        o.batchWindows = 1;  // five chunks
        o.boundBy = metric == 0 ? BoundMetric::Divergence : BoundMetric::Nll;
        const UnitRemovalScores all = scoreUnitRemovals(*mModel, mWindows, units, o);
        const std::vector<double>& full = metric == 0 ? all.divergence : all.nll;
        const auto best = static_cast<std::size_t>(std::min_element(full.begin(), full.end()) - full.begin());
        int64_t abandonedSomewhere = 0;
        o.keepContextsBytes = keepBytes;
        for (std::size_t leader = 0; leader < units.size(); ++leader) {
            o.leader = static_cast<int64_t>(leader);
            const UnitRemovalScores r = scoreUnitRemovals(*mModel, mWindows, units, o);
            QCOMPARE(r.basePerplexity, all.basePerplexity);
            for (std::size_t k = 0; k < units.size(); ++k) {
                const bool done = std::isfinite(r.divergence[k]);
                QCOMPARE(std::isfinite(r.nll[k]), done);
                if (done) {
                    QCOMPARE(r.divergence[k], all.divergence[k]);
                    QCOMPARE(r.nll[k], all.nll[k]);
                }
            }
            QVERIFY(std::isfinite(r.divergence[best]));
            QVERIFY(std::isfinite(r.divergence[leader]));
            int64_t inf = 0;
            for (double d : r.divergence) inf += std::isinf(d) ? 1 : 0;
            QCOMPARE(r.abandoned, inf);
            abandonedSomewhere += r.abandoned;
        }
        // The bound did cut work. (A random model's NLL barely depends on which unit is gone,
        // so nothing can be abandoned by NLL here; test_pruning_methods' sleb and blockpruner
        // rows check that on stories260K.)
        if (metric == 0) QVERIFY(abandonedSomewhere > 0);
        QCOMPARE(all.abandoned, int64_t{0});
    }

    // Layer by layer (all chunks and every unit's stream through one block at a time) gives
    // the prefix-reuse sweep's scores bit for bit; it refuses a base removal.
    void layerByLayerRemovalIsExact() {
        const std::vector<Unit> units = everyUnit(3);
        RemovalOptions o;
        o.batchWindows = 2;
        const UnitRemovalScores swept = scoreUnitRemovals(*mModel, mWindows, units, o);
        o.layerByLayer = true;
        const UnitRemovalScores layered = scoreUnitRemovals(*mModel, mWindows, units, o);
        QCOMPARE(layered.basePerplexity, swept.basePerplexity);
        for (std::size_t k = 0; k < units.size(); ++k) {
            QCOMPARE(layered.nll[k], swept.nll[k]);
            QCOMPARE(layered.divergence[k], swept.divergence[k]);
        }
        o.base.removeAttn(0);
        QVERIFY_THROWS_EXCEPTION(Error, scoreUnitRemovals(*mModel, mWindows, {{Unit::Kind::Mlp, 1}}, o));
    }

    // On top of an already removed unit (FinerCut's later steps).
    void removalOnTopOfBase() {
        Ablation base;
        base.removeAttn(1);
        RemovalOptions o;
        o.base = base;
        const UnitRemovalScores r =
            scoreUnitRemovals(*mModel, mWindows, {{Unit::Kind::Mlp, 1}, {Unit::Kind::Attn, 2}}, o);
        Ablation a = base;
        a.removeMlp(1);
        QVERIFY(std::fabs(r.perplexity[0] - evaluatePerplexity(*mModel, mWindows, a).perplexity) < 1e-4);
        Ablation b = base;
        b.removeAttn(2);
        QVERIFY(std::fabs(r.perplexity[1] - evaluatePerplexity(*mModel, mWindows, b).perplexity) < 1e-4);
        QVERIFY(std::fabs(r.basePerplexity - evaluatePerplexity(*mModel, mWindows, base).perplexity) < 1e-4);
    }

    // Candidates' streams kept from one call (a greedy step) serve the next, whose base is the
    // earlier base plus one of them: the same scores bit for bit, with fewer block forwards
    // (the base's pass and, for units before the chosen one, the blocks up to it); a base that
    // is not one unit further, or no budget, falls back to computing everything.
    void candidateStreamsAreReused_data() {
        QTest::addColumn<int>("metric");
        QTest::addColumn<int>("batch");
        QTest::newRow("divergence, one chunk") << 0 << 8;
        QTest::newRow("divergence, three chunks") << 0 << 2;
        QTest::newRow("nll, three chunks, bounded") << 1 << 2;
    }
    void candidateStreamsAreReused() {
        QFETCH(int, metric);
        QFETCH(int, batch);
        const std::vector<Unit> units = everyUnit(3);
        RemovalOptions o;
        o.batchWindows = batch;
        o.againstOriginal = metric == 0;
        o.boundBy = metric == 0 ? BoundMetric::Divergence : BoundMetric::Nll;
        int64_t total = 0;
        const ProgressFn totalOf = [&](int64_t, int64_t t) { total = t; return true; };
        RemovalOptions kept = o;
        kept.streams = makeCandidateStreams();
        QCOMPARE(scoreUnitRemovals(*mModel, mWindows, units, kept).divergence,
                 scoreUnitRemovals(*mModel, mWindows, units, o).divergence);
        // Step two: mlp.1 chosen; attn.0 .. attn.1 left it before block 2 and resume there.
        std::vector<Unit> rest = units;
        rest.erase(std::find(rest.begin(), rest.end(), Unit{Unit::Kind::Mlp, 1}));
        o.base.removeMlp(1);
        if (metric == 1) o.leader = 2;  // a bounded search too
        RemovalOptions next = o;
        next.streams = kept.streams;
        const UnitRemovalScores fresh = scoreUnitRemovals(*mModel, mWindows, rest, o, totalOf);
        const int64_t freshTotal = total;
        const UnitRemovalScores reused = scoreUnitRemovals(*mModel, mWindows, rest, next, totalOf);
        QCOMPARE(reused.divergence, fresh.divergence);
        QCOMPARE(reused.nll, fresh.nll);
        QCOMPARE(reused.basePerplexity, fresh.basePerplexity);
        // Per chunk: the base pass (3 blocks), and attn.0 / mlp.0 / attn.1 / block.0 start at
        // block 2 instead of 0 / 1 / 1 / 1 (2 + 1 + 1 + 1 blocks).
        const int64_t chunks = (mWindows.numWindows + batch - 1) / batch;
        QCOMPARE(freshTotal - total, (3 + 5) * chunks);
        // Step three from step two's streams: every unit's stream was kept again.
        std::vector<Unit> last = rest;
        last.erase(std::find(last.begin(), last.end(), Unit{Unit::Kind::Attn, 0}));
        o.base.removeAttn(0);
        next.base = o.base;
        o.leader = next.leader = -1;
        QCOMPARE(scoreUnitRemovals(*mModel, mWindows, last, next).divergence,
                 scoreUnitRemovals(*mModel, mWindows, last, o).divergence);
        // A base two units further on: nothing resumed, the same scores.
        o.base.removeAttn(2);
        o.base.removeMlp(2);
        next.base = o.base;
        const std::vector<Unit> few = {{Unit::Kind::Attn, 1}, {Unit::Kind::Block, 0}};
        QCOMPARE(scoreUnitRemovals(*mModel, mWindows, few, next, totalOf).divergence,
                 scoreUnitRemovals(*mModel, mWindows, few, o).divergence);
        // No budget: nothing kept, the next call computes all.
        RemovalOptions none = kept;
        none.streams = makeCandidateStreams();
        none.keepStreamsBytes = 0;
        none.base = {};
        scoreUnitRemovals(*mModel, mWindows, units, none);
        none.base.removeMlp(1);
        scoreUnitRemovals(*mModel, mWindows, rest, none, totalOf);
        o.base = none.base;
        o.leader = -1;
        const int64_t noneTotal = total;
        scoreUnitRemovals(*mModel, mWindows, rest, o, totalOf);
        QCOMPARE(noneTotal, total);
    }

    // Against the original model, its outputs kept from an earlier call (a greedy search's
    // earlier step) give the same scores bit for bit, and the original model's pass is then
    // not run again (fewer block forwards in the progress total); other windows refill them.
    void originalReferencesAreReused() {
        const std::vector<Unit> units = everyUnit(3);
        RemovalOptions o;
        o.againstOriginal = true;
        o.batchWindows = 2;  // three chunks
        int64_t total = 0;
        const ProgressFn totalOf = [&](int64_t, int64_t t) { total = t; return true; };
        RemovalOptions kept = o;
        kept.originals = makeOriginalReferences();
        QCOMPARE(scoreUnitRemovals(*mModel, mWindows, units, kept).divergence,
                 scoreUnitRemovals(*mModel, mWindows, units, o).divergence);
        o.base.removeAttn(1);
        kept.base = o.base;
        const std::vector<Unit> rest = {{Unit::Kind::Mlp, 0}, {Unit::Kind::Mlp, 1}, {Unit::Kind::Attn, 2},
                                        {Unit::Kind::Block, 2}};
        const UnitRemovalScores fresh = scoreUnitRemovals(*mModel, mWindows, rest, o, totalOf);
        const int64_t freshTotal = total;
        const UnitRemovalScores reused = scoreUnitRemovals(*mModel, mWindows, rest, kept, totalOf);
        QCOMPARE(reused.divergence, fresh.divergence);
        QCOMPARE(reused.perplexity, fresh.perplexity);
        QCOMPARE(freshTotal - total, int64_t{3 * 3});  // one 3-block pass per chunk saved
        const TokenWindows fewer = test::randomWindows(3, 9, 32);
        QCOMPARE(scoreUnitRemovals(*mModel, fewer, rest, kept).divergence,
                 scoreUnitRemovals(*mModel, fewer, rest, o).divergence);
        test::TinySpec wider;
        wider.ff = 40;
        const std::string otherDir = mTmp.filePath("wider").toStdString();
        test::writeTinyModel(otherDir, wider);
        const auto other = loadModel(otherDir);
        QCOMPARE(scoreUnitRemovals(*other, fewer, rest, kept).divergence,
                 scoreUnitRemovals(*other, fewer, rest, o).divergence);
    }

    // Σ|W ⊙ ∂L/∂W| of attn.0 and mlp.2 with the gradient taken by central differences.
    void taylorMatchesFiniteDifferences() {
        const WeightScores s = taylorScores(*mModel, mWindows, 1, 2);
        QCOMPARE(s.units.size(), std::size_t{9});
        Model probe = *mModel;
        for (BlockWeights& b : probe.blocks) {  // private copies we may perturb
            for (at::Tensor* t : {&b.attn.norm, &b.attn.wq, &b.attn.wk, &b.attn.wv, &b.attn.wo,
                                  &b.mlp.norm, &b.mlp.gate, &b.mlp.up, &b.mlp.down}) {
                *t = t->to(at::kDouble).clone();
            }
        }
        probe.embed = probe.embed.to(at::kDouble);
        probe.lmHead = probe.embed;
        probe.finalNorm = probe.finalNorm.to(at::kDouble);
        probe.computeType = at::kDouble;
        auto fdScore = [&](std::vector<at::Tensor*> weights) {
            const double eps = 1e-5;
            double total = 0;
            for (at::Tensor* w : weights) {
                at::Tensor flat = w->view({-1});
                for (int64_t i = 0; i < flat.numel(); ++i) {
                    const double v = flat[i].item<double>();
                    flat[i] = v + eps;
                    const double up = meanLoss(probe, mWindows);
                    flat[i] = v - eps;
                    const double down = meanLoss(probe, mWindows);
                    flat[i] = v;
                    total += std::fabs(v * (up - down) / (2 * eps));
                }
            }
            return total;
        };
        BlockWeights& b0 = probe.blocks[0];
        const double attn0 = fdScore({&b0.attn.norm, &b0.attn.wq, &b0.attn.wk, &b0.attn.wv, &b0.attn.wo});
        BlockWeights& b2 = probe.blocks[2];
        const double mlp2 = fdScore({&b2.mlp.norm, &b2.mlp.gate, &b2.mlp.up, &b2.mlp.down});
        const WeightScores exact = taylorScores(probe, mWindows, 1, 2);  // float64 autograd
        qInfo("attn.0: float32 %.8f, float64 %.8f, finite differences %.8f", s.values[0],
              exact.values[0], attn0);
        QVERIFY(std::fabs(exact.values[0] - attn0) / attn0 < 2e-4);
        QVERIFY2(std::fabs(s.values[0] - attn0) / attn0 < 1e-3,
                 qPrintable(QString("taylor %1 vs fd %2").arg(s.values[0]).arg(attn0)));
        QVERIFY2(std::fabs(s.values[5] - mlp2) / mlp2 < 1e-3,
                 qPrintable(QString("taylor %1 vs fd %2").arg(s.values[5]).arg(mlp2)));
        QVERIFY(std::fabs(s.values[6] - (s.values[0] + s.values[1])) < 1e-9);  // block.0
        // The model's own weights are untouched and need no gradient.
        QVERIFY(!mModel->blocks[0].attn.wq.requires_grad());
    }

    // Σ|W| per unit, recomputed from the checkpoint's tensors as written.
    void magnitudeMatchesWeights() {
        const WeightScores s = magnitudeScores(*mModel);
        const auto weights = test::tinyWeights({});
        auto sumAbs = [&](const std::string& prefix, std::initializer_list<const char*> names) {
            double total = 0;
            for (const char* n : names) {
                for (const auto& [name, t] : weights) {
                    if (name == prefix + n) total += t.abs().sum().item<double>();
                }
            }
            return total;
        };
        const double mlp1 = sumAbs("model.layers.1.", {"post_attention_layernorm.weight",
                                                        "mlp.gate_proj.weight", "mlp.up_proj.weight",
                                                        "mlp.down_proj.weight"});
        QVERIFY(std::fabs(s.values[3] - mlp1) / mlp1 < 1e-6);
        QCOMPARE(s.units[3].label(), std::string("mlp.1"));
    }
};

QTEST_APPLESS_MAIN(TestImportance)
#include "test_importance.moc"
