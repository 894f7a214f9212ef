// Each pruning method's defining property, checked on stories260K against brute-force
// computations written here (full forwards from block 0, divergences and cosines computed in
// the test), plus plans, prefix reuse and caching.

#include <QtTest/QtTest>

#include <cmath>

#include "common/runtime.h"
#include "data/calibration.h"
#include "eval/perplexity.h"
#include "fixtures.h"
#include "model/forward.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/cached_pruning.h"
#include "pruning/model_scoring_context.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

using namespace lamina;
using lamina::test::sharedDir;

namespace {

Unit unitOf(const TrajectoryStep& s) { return s.unit(); }

// Brute force: log-probabilities (N·T, V) of the model with `a` removed, from block 0.
at::Tensor logProbs(const Model& m, const at::Tensor& ids, const Ablation& a) {
    return at::log_softmax(forwardLogits(m, ids, a).to(at::kDouble), -1).reshape({-1, m.config.vocabSize});
}

// Brute force JS divergence, mean over positions: ½Σp log(p/m) + ½Σq log(q/m).
double meanJs(const at::Tensor& logp, const at::Tensor& logq) {
    const at::Tensor p = logp.exp(), q = logq.exp(), m = 0.5 * (p + q);
    const at::Tensor js = 0.5 * (p * (logp - m.log())).sum(-1) + 0.5 * (q * (logq - m.log())).sum(-1);
    return js.mean().item<double>();
}

}  // namespace

class TestPruningMethods : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> mModel;
    CalibrationSet mCalibration;
    at::Tensor mIds;
    QTemporaryDir mTmp;

    Trajectory run(PruneOptions o, ScoringPolicy policy = {}) { return runPruning(*mModel, mCalibration, o, policy); }

    double ppl(const Ablation& a) { return evaluatePerplexity(*mModel, mCalibration.windows, a).perplexity; }

    // Residual stream h_0 … h_L and attention outputs of the unpruned model over the windows.
    std::pair<std::vector<at::Tensor>, std::vector<at::Tensor>> taps() {
        std::vector<at::Tensor> h(6), attn(5);
        Taps t;
        t.residual = t.attnOut = true;
        t.onTap = [&](const TapPoint& p, const at::Tensor& x) {
            (p.site == TapSite::Residual ? h : attn)[static_cast<std::size_t>(p.layer)] = x.to(at::kDouble);
        };
        runBlocks(*mModel, embedTokens(*mModel, mIds), 0, 5, {}, &t);
        return {h, attn};
    }

    // Every step's PPL is the calibration PPL with all steps so far applied.
    void checkCumulativePpl(const Trajectory& t) {
        Ablation a;
        for (const TrajectoryStep& s : t.steps) {
            a.remove(unitOf(s));
            QVERIFY2(std::fabs(s.perplexity - ppl(a)) / s.perplexity < 1e-5, stepKindName(s.kind));
        }
    }

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        configureRuntime(2);
        mModel = loadModel(sharedDir() / "models" / "stories260K");
        const auto tok = loadLlama2cTokenizer(sharedDir() / "models" / "stories260K" / "llama2c" / "tok512.bin", 512);
        mCalibration = textCalibration(sharedDir() / "data" / "tinystories" / "calibration.txt", *tok, 64, 4,
                                       BosPolicy::First);
        mIds = at::tensor(mCalibration.windows.ids, at::kInt).to(at::kLong).view({4, 64});
    }

    // FinerCut: every step removes the arg-min over the remaining candidates of the JS
    // divergence from the unpruned model, computed here by brute force.
    void finercutIsGreedyArgMin() {
        PruneOptions o;
        o.method = "finercut";
        const Trajectory t = run(o);
        QCOMPARE(t.steps.size(), std::size_t{10});
        const at::Tensor full = logProbs(*mModel, mIds, {});
        std::vector<Unit> remaining = sublayerUnits(5);
        Ablation removed;
        for (const TrajectoryStep& s : t.steps) {
            double best = 1e30;
            Unit arg{};
            for (const Unit& u : remaining) {
                Ablation a = removed;
                a.remove(u);
                const double js = meanJs(full, logProbs(*mModel, mIds, a));
                if (js < best) {
                    best = js;
                    arg = u;
                }
            }
            QCOMPARE(unitOf(s).label(), arg.label());
            QVERIFY2(std::fabs(s.score - best) <= 1e-6 * best + 1e-9,
                     qPrintable(QString("%1 vs %2").arg(s.score).arg(best)));
            removed.remove(arg);
            remaining.erase(std::find(remaining.begin(), remaining.end(), arg));
        }
        checkCumulativePpl(t);
    }

    // Prefix reuse gives the identical trajectory to the naive search, for every divergence.
    void prefixReuseIsExact_data() {
        QTest::addColumn<QString>("divergence");
        for (const char* d : {"js", "js_released", "kl", "angular", "l2"}) QTest::newRow(d) << QString(d);
    }
    void prefixReuseIsExact() {
        QFETCH(QString, divergence);
        PruneOptions o;
        o.method = "finercut";
        o.divergence = parseDivergence(divergence.toStdString());
        o.maxSteps = 4;
        const Trajectory fast = run(o);
        ScoringPolicy naivePolicy;
        naivePolicy.prefixReuse = false;
        naivePolicy.boundedSearch = false;
        const Trajectory naive = run(o, naivePolicy);
        QCOMPARE(naive.abandonedCandidates, int64_t{0});
        QCOMPARE(fast.steps.size(), naive.steps.size());
        for (std::size_t i = 0; i < fast.steps.size(); ++i) {
            QCOMPARE(fast.steps[i].kind, naive.steps[i].kind);
            QCOMPARE(fast.steps[i].layer, naive.steps[i].layer);
            QVERIFY(std::fabs(fast.steps[i].score - naive.steps[i].score) <= 1e-9 * std::fabs(naive.steps[i].score) + 1e-12);
        }
    }

    // The bounded greedy search (later steps abandon candidates that cannot win) gives the
    // trajectory of scoring every candidate, bit for bit, for every greedy method and the
    // whole trajectory, while abandoning work.
    void boundedSearchIsExact_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("divergence");
        for (const char* d : {"js", "kl", "angular", "l2"}) QTest::newRow(d) << "finercut" << QString(d);
        QTest::newRow("sleb") << "sleb" << "js";
        QTest::newRow("blockpruner") << "blockpruner" << "js";
    }
    void boundedSearchIsExact() {
        QFETCH(QString, method);
        QFETCH(QString, divergence);
        PruneOptions o;
        o.method = method.toStdString();
        o.divergence = parseDivergence(divergence.toStdString());
        ScoringPolicy policy;
        policy.batchWindows = 1;  // four chunks: the leader's pass, then the others'
        const Trajectory bounded = run(o, policy);
        policy.boundedSearch = false;
        const Trajectory exhaustive = run(o, policy);
        QCOMPARE(exhaustive.abandonedCandidates, int64_t{0});
        QVERIFY(bounded.abandonedCandidates > 0);
        QCOMPARE(bounded.steps.size(), exhaustive.steps.size());
        QCOMPARE(bounded.basePerplexity, exhaustive.basePerplexity);
        for (std::size_t i = 0; i < bounded.steps.size(); ++i) {
            QCOMPARE(bounded.steps[i].kind, exhaustive.steps[i].kind);
            QCOMPARE(bounded.steps[i].layer, exhaustive.steps[i].layer);
            QCOMPARE(bounded.steps[i].score, exhaustive.steps[i].score);
            QCOMPARE(bounded.steps[i].perplexity, exhaustive.steps[i].perplexity);
        }
    }

    void finercutOptions() {
        PruneOptions o;
        o.method = "finercut";
        o.protectFirst = 2;
        o.units = UnitSet::Attn;
        const Trajectory t = run(o);
        QCOMPARE(t.steps.size(), std::size_t{3});  // attn.2 … attn.4
        for (const auto& s : t.steps) {
            QCOMPARE(s.kind, StepKind::Attn);
            QVERIFY(s.layer >= 2);
        }
    }

    // SLEB / BlockPruner: each step is the arg-min of NLL / PPL with the candidate removed on
    // top of the earlier steps.
    void iterativeBaselines_data() {
        QTest::addColumn<QString>("method");
        QTest::newRow("sleb") << "sleb";
        QTest::newRow("blockpruner") << "blockpruner";
    }
    void iterativeBaselines() {
        QFETCH(QString, method);
        PruneOptions o;
        o.method = method.toStdString();
        o.maxSteps = 3;
        const Trajectory t = run(o);
        std::vector<Unit> remaining = method == "sleb" ? blockUnits(5) : sublayerUnits(5);
        Ablation removed;
        for (const TrajectoryStep& s : t.steps) {
            double best = 1e30;
            Unit arg{};
            for (const Unit& u : remaining) {
                Ablation a = removed;
                a.remove(u);
                const double p = ppl(a);
                if (p < best) {
                    best = p;
                    arg = u;
                }
            }
            QCOMPARE(unitOf(s).label(), arg.label());
            QVERIFY(std::fabs(s.perplexity - best) / best < 1e-5);
            removed.remove(arg);
            remaining.erase(std::find(remaining.begin(), remaining.end(), arg));
        }
    }

    // Shortened LLaMA PPL: one-shot ascending single-block PPL, "+" blocks never removed.
    void shortenedPpl() {
        PruneOptions o;
        o.method = "shortened-ppl";
        o.protectedBlocks = {0};
        o.protectedBlocksSet = true;
        const Trajectory t = run(o);
        QCOMPARE(t.steps.size(), std::size_t{4});
        double previous = -1;
        for (const TrajectoryStep& s : t.steps) {
            QVERIFY(s.layer != 0);
            Ablation single;
            single.removeBlock(s.layer);
            QVERIFY(std::fabs(s.score - ppl(single)) / s.score < 1e-5);
            QVERIFY(s.score >= previous);
            previous = s.score;
        }
        checkCumulativePpl(t);
        o.protectedBlocksSet = false;  // default "+": {0,1,2,3,L−2,L−1} leaves nothing of 5
        QCOMPARE(run(o).steps.size(), std::size_t{0});
    }

    // ShortGPT: ascending Block Influence 1 − mean cos(h_i, h_i+1), cosines computed here.
    void shortgpt() {
        PruneOptions o;
        o.method = "shortgpt";
        const Trajectory t = run(o);
        const auto [h, attn] = taps();
        double previous = -1;
        QCOMPARE(t.steps.size(), std::size_t{5});
        for (const TrajectoryStep& s : t.steps) {
            const double bi = 1 - at::cosine_similarity(h[s.layer], h[s.layer + 1], -1).mean().item<double>();
            QVERIFY(std::fabs(s.score - bi) < 1e-6);
            QVERIFY(s.score >= previous);
            previous = s.score;
        }
        checkCumulativePpl(t);
    }

    // LLM-Drop (attention): ascending 1 − cos(X, X + attn(X)).
    void llmDrop() {
        PruneOptions o;
        o.method = "llm-drop";
        const Trajectory t = run(o);
        const auto [h, attn] = taps();
        double previous = -1;
        for (const TrajectoryStep& s : t.steps) {
            QCOMPARE(s.kind, StepKind::Attn);
            const double score =
                1 - at::cosine_similarity(h[s.layer], h[s.layer] + attn[s.layer], -1).mean().item<double>();
            QVERIFY(std::fabs(s.score - score) < 1e-6);
            QVERIFY(s.score >= previous);
            previous = s.score;
        }
    }

    // Gromov et al.: for each span n, the start minimising the mean last-token angular distance.
    void gromovAngular() {
        PruneOptions o;
        o.method = "angular";
        const Trajectory t = run(o);
        QVERIFY(!t.cumulative);
        QCOMPARE(t.steps.size(), std::size_t{4});
        const auto [h, attn] = taps();
        for (std::size_t k = 0; k < t.steps.size(); ++k) {
            const int64_t n = static_cast<int64_t>(k) + 1;
            double best = 1e30;
            int64_t arg = -1;
            for (int64_t l = 0; l + n <= 5; ++l) {
                const at::Tensor cos = at::cosine_similarity(h[l].select(1, -1), h[l + n].select(1, -1), -1);
                const double d = (at::acos(cos.clamp(-1, 1)) / M_PI).mean().item<double>();
                if (d < best) {
                    best = d;
                    arg = l;
                }
            }
            QCOMPARE(t.steps[k].layer, arg);
            QCOMPARE(t.steps[k].lastLayer, arg + n - 1);
            QVERIFY(std::fabs(t.steps[k].score - best) < 1e-6);
            Ablation span;
            for (int64_t l = arg; l < arg + n; ++l) span.removeBlock(l);
            QVERIFY(std::fabs(t.steps[k].perplexity - ppl(span)) / t.steps[k].perplexity < 1e-5);
            QCOMPARE(t.steps[k].removedSublayers, 2 * n);
        }
    }

    // A plan from a trajectory applies to exactly the ablation it describes.
    void planRoundTripAndApply() {
        PruneOptions o;
        o.method = "finercut";
        o.maxSteps = 5;
        const Trajectory t = run(o);
        PruningPlan plan;
        plan.modelFingerprint = "abc";
        plan.family = "llama";
        plan.layers = 5;
        plan.method = {{"name", "finercut"}};
        plan.operations = t.operations(5);
        const PruningPlan back = planFromJson(planToJson(plan).dump(), "plan.json");
        QCOMPARE(back.operations.size(), std::size_t{5});
        const Ablation a = back.dropAblation();
        const auto pruned = applyPlan(*mModel, back);
        QVERIFY(at::equal(forwardLogits(*pruned, mIds), forwardLogits(*mModel, mIds, a)));
        QVERIFY(std::fabs(evaluatePerplexity(*pruned, mCalibration.windows).perplexity - t.steps[4].perplexity) < 1e-6 * t.steps[4].perplexity);
    }

    // The second identical request is answered from the results store.
    void cachedPruning() {
        const auto store = ResultsStore::open((mTmp.path() + "/p.h5").toStdString());
        PruneRequest r;
        r.model = sharedDir() / "models" / "stories260K";
        r.data.text = sharedDir() / "data" / "tinystories" / "calibration.txt";
        r.data.tokenizer = sharedDir() / "models" / "stories260K" / "llama2c" / "tok512.bin";
        r.data.seqLen = 64;
        r.data.windows = 4;
        r.options.method = "finercut";
        r.ratio = 0.3;  // 3 of 10 sublayers
        const PruneReport first = pruneWithCache(r, *store);
        QVERIFY(first.computed);
        QCOMPARE(first.planSteps, std::size_t{3});
        QCOMPARE(first.plan.operations.size(), std::size_t{3});
        const auto second = pruneFromStore(r, *store);
        QVERIFY(second.has_value());
        QCOMPARE(second->planSteps, std::size_t{3});
        QCOMPARE(second->trajectory.steps[2].score, first.trajectory.steps[2].score);
        r.ratio = 0.6;  // needs more steps than stored: recomputed
        QVERIFY(!pruneFromStore(r, *store).has_value());
        r.ratio = -1;
        r.steps = 2;
        QVERIFY(pruneFromStore(r, *store).has_value());
    }

    void badOptions() {
        PruneOptions o;
        QVERIFY_THROWS_EXCEPTION(Error, o.method = "frobnicate");
        o.method = "sleb";
        o.units = UnitSet::Attn;
        QVERIFY_THROWS_EXCEPTION(Error, run(o));
        PruneRequest r;
        r.options.method = "finercut";
        QVERIFY_THROWS_EXCEPTION(Error, checkStoppingRule(r));  // no stopping rule
        r.ratio = 0.2;
        r.steps = 3;
        QVERIFY_THROWS_EXCEPTION(Error, checkStoppingRule(r));  // two
        r.steps = 0;
        r.useThreshold = false;
        r.options.method = "slm";
        QVERIFY_THROWS_EXCEPTION(Error, checkStoppingRule(r));  // slm takes --threshold
    }
};

QTEST_APPLESS_MAIN(TestPruningMethods)
#include "test_pruning_methods.moc"
