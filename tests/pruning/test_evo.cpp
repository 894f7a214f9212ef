// The evolutionary search on stories260K: its fitness against divergences computed here by
// brute force, the bounded selection against scoring everything, determinism, the seeds and
// the results file.

#include <QtTest/QtTest>

#include <cmath>
#include <numeric>

#include "common/runtime.h"
#include "data/calibration.h"
#include "eval/perplexity.h"
#include "fixtures.h"
#include "model/forward.h"
#include "model/model.h"
#include "pruning/cached_pruning.h"
#include "pruning/model_scoring_context.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

using namespace lamina;
using lamina::test::sharedDir;

namespace {

// Brute force: mean JS divergence per position between the unpruned model and `a` on `ids`,
// float64, full forwards from block 0.
double bruteJs(const Model& m, const at::Tensor& ids, const Ablation& a) {
    const at::Tensor logp = at::log_softmax(forwardLogits(m, ids, {}).to(at::kDouble), -1);
    const at::Tensor logq = at::log_softmax(forwardLogits(m, ids, a).to(at::kDouble), -1);
    const at::Tensor p = logp.exp(), q = logq.exp(), mid = 0.5 * (p + q);
    return (0.5 * (p * (logp - mid.log())).sum(-1) + 0.5 * (q * (logq - mid.log())).sum(-1)).mean().item<double>();
}

Ablation removing(std::initializer_list<Unit> units) {
    Ablation a = Ablation::none(5);
    for (const Unit& u : units) a.remove(u);
    return a;
}

}  // namespace

class TestEvo : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> mModel;
    CalibrationSet mCalibration;
    at::Tensor mIds;
    QTemporaryDir mTmp;

    PruneRequest request() {
        PruneRequest r;
        r.model = sharedDir() / "models" / "stories260K";
        r.data.text = sharedDir() / "data" / "tinystories" / "calibration.txt";
        r.data.tokenizer = sharedDir() / "models" / "stories260K" / "llama2c" / "tok512.bin";
        r.data.seqLen = 64;
        r.data.windows = 4;
        return r;
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

    // Every candidate's divergence (and NLL), on all windows and on a subset, resumed from a base that
    // differs from it at various depths, is the brute-force one.
    void fitnessIsTheDivergence() {
        ModelScoringContext context(*mModel, mCalibration);
        using K = Unit::Kind;
        SetScoring job;
        job.base = removing({{K::Mlp, 1}, {K::Attn, 3}});
        job.candidates = {removing({{K::Mlp, 1}, {K::Attn, 3}}), removing({{K::Mlp, 1}, {K::Attn, 4}}),
                          removing({{K::Attn, 0}, {K::Attn, 3}}), removing({{K::Block, 2}}),
                          removing({{K::Mlp, 4}, {K::Mlp, 0}, {K::Attn, 2}})};
        for (const std::vector<int64_t>& windows : {std::vector<int64_t>{}, std::vector<int64_t>{1, 3}}) {
            job.windows = windows;
            const SetScores got = context.setDivergences(job, {});
            QCOMPARE(got.values.size(), job.candidates.size());
            const at::Tensor ids = windows.empty() ? mIds : mIds.index_select(0, at::tensor(windows, at::kLong));
            for (std::size_t i = 0; i < job.candidates.size(); ++i) {
                const double want = bruteJs(*mModel, ids, job.candidates[i]);
                QVERIFY2(std::fabs(got.values[i] - want) <= 1e-6 * want + 1e-9,
                         qPrintable(QString("candidate %1: %2 vs %3").arg(i).arg(got.values[i]).arg(want)));
            }
            const double share = windows.empty() ? 1.0 : 0.5;
            QCOMPARE(got.evaluations, share * static_cast<double>(job.candidates.size()));
        }
        // Scored by NLL: each candidate's mean next-token NLL on the windows.
        job.nll = true;
        job.windows = {0, 2, 3};
        const SetScores nll = context.setDivergences(job, {});
        TokenWindows three;
        three.seqLen = 64;
        three.numWindows = 3;
        for (const int64_t w : job.windows) {
            three.ids.insert(three.ids.end(), mCalibration.windows.ids.begin() + w * 64,
                             mCalibration.windows.ids.begin() + (w + 1) * 64);
        }
        for (std::size_t i = 0; i < job.candidates.size(); ++i) {
            const double want = evaluatePerplexity(*mModel, three, job.candidates[i]).meanNll;
            QVERIFY2(std::fabs(nll.values[i] - want) <= 1e-6 * want,
                     qPrintable(QString("candidate %1: NLL %2 vs %3").arg(i).arg(nll.values[i]).arg(want)));
        }
    }

    // With survivors = 2 the two lowest and their values are those of scoring everything;
    // every candidate not abandoned has its exact value; some are abandoned.
    void boundedSelectionIsExact() {
        // One window per forward: stories260K's 512-way rows fit one comparison piece, so a
        // candidate can stop only between chunks.
        ScoringPolicy policy;
        policy.batchWindows = 1;
        ModelScoringContext context(*mModel, mCalibration, policy);
        SetScoring job;
        for (int64_t l = 0; l < 5; ++l) {
            for (const Unit::Kind k : {Unit::Kind::Attn, Unit::Kind::Mlp}) {
                Ablation a = removing({{Unit::Kind::Mlp, (l + 2) % 5}});
                a.remove({k, l});
                job.candidates.push_back(a);
            }
        }
        // Two far worse ones, which a tight bound drops early.
        job.candidates.push_back(removing({{Unit::Kind::Block, 0}, {Unit::Kind::Block, 1}}));
        job.candidates.push_back(removing({{Unit::Kind::Block, 0}, {Unit::Kind::Block, 2}, {Unit::Kind::Block, 3}}));
        job.base = job.candidates.front();
        job.order = job.candidates.front();
        const SetScores all = context.setDivergences(job, {});
        job.survivors = 2;
        std::vector<std::size_t> rank(all.values.size());
        std::iota(rank.begin(), rank.end(), 0);
        std::stable_sort(rank.begin(), rank.end(), [&](auto a, auto b) { return all.values[a] < all.values[b]; });
        // In the given order, and best first (the bound is then tight from the start).
        std::vector<Ablation> bestFirst;
        for (const std::size_t i : rank) bestFirst.push_back(job.candidates[i]);
        for (const bool sorted : {false, true}) {
            SetScoring b = job;
            if (sorted) b.candidates = bestFirst;
            const SetScores bounded = context.setDivergences(b, {});
            int64_t abandoned = 0;
            for (std::size_t j = 0; j < b.candidates.size(); ++j) {
                const double want = all.values[sorted ? rank[j] : j];
                if (std::isinf(bounded.values[j])) {
                    ++abandoned;
                    QVERIFY(want > all.values[rank[1]]);  // it could not have survived
                } else {
                    QCOMPARE(bounded.values[j], want);
                }
            }
            for (const std::size_t best : {rank[0], rank[1]}) {
                const std::size_t at = sorted ? static_cast<std::size_t>(std::find(rank.begin(), rank.end(), best) - rank.begin()) : best;
                QVERIFY(std::isfinite(bounded.values[at]));
            }
            if (sorted) {
                QVERIFY(abandoned > 0);
                QVERIFY(bounded.evaluations < all.evaluations);
            }
        }
    }

    // The same seed gives the same sets; each answer keeps its size, its score is the
    // brute-force divergence of its set and its perplexity the calibration PPL; the search
    // never ends worse than the greedy seed it started from.
    void searchIsDeterministicAndBeatsItsSeed() {
        PruneOptions o;
        o.method = "evo";
        o.evo.sizes = {3, 5};
        o.evo.generations = 6;
        o.evo.offspring = 6;
        o.evo.initial = 4;
        o.evo.seed = 11;
        PruneOptions greedy;
        greedy.method = "finercut";
        const Trajectory g = runPruning(*mModel, mCalibration, greedy);
        std::vector<Unit> order;
        for (const TrajectoryStep& s : g.steps) order.push_back(s.unit());
        o.evo.seedOrders = {order};
        o.evo.seedNames = {"finercut"};
        const Trajectory a = runPruning(*mModel, mCalibration, o), b = runPruning(*mModel, mCalibration, o);
        QCOMPARE(a.steps.size(), std::size_t{2});
        QVERIFY(!a.cumulative);
        for (std::size_t i = 0; i < 2; ++i) {
            const TrajectoryStep& s = a.steps[i];
            QCOMPARE(s.kind, StepKind::Set);
            QCOMPARE(static_cast<int64_t>(s.units.size()), o.evo.sizes[i]);
            QCOMPARE(s.removedSublayers, o.evo.sizes[i]);
            QCOMPARE(unitLabels(s.units), unitLabels(b.steps[i].units));
            QCOMPARE(s.score, b.steps[i].score);
            Ablation set = Ablation::none(5), seed = Ablation::none(5);
            for (const Unit& u : s.units) set.remove(u);
            for (int64_t k = 0; k < o.evo.sizes[i]; ++k) seed.remove(order[static_cast<std::size_t>(k)]);
            const double js = bruteJs(*mModel, mIds, set);
            QVERIFY2(std::fabs(s.score - js) <= 1e-6 * js, qPrintable(QString("%1 vs %2").arg(s.score).arg(js)));
            QVERIFY(js <= bruteJs(*mModel, mIds, seed) * (1 + 1e-6));
            const double ppl = evaluatePerplexity(*mModel, mCalibration.windows, set).perplexity;
            QVERIFY(std::fabs(s.perplexity - ppl) <= 1e-5 * ppl);
            QCOMPARE(a.operations(i + 1).size(), s.units.size());
        }
        QVERIFY(a.candidateEvaluations > 0);
    }

    // Through the results file: several ratios in one run, seeds from the stored greedy
    // trajectory (named in the key), sizes asked again answered from the file, a new size
    // added to the stored trajectory.
    void cachedSizesGrowTheTrajectory() {
        const auto store = ResultsStore::open((mTmp.path() + "/evo.h5").toStdString());
        PruneRequest fc = request();
        fc.options.method = "finercut";
        fc.ratio = 1;
        pruneWithCache(fc, *store);
        PruneRequest r = request();
        r.options.method = "evo";
        r.options.evo.generations = 3;
        r.options.evo.offspring = 4;
        r.ratios = {0.2, 0.4};
        r.ratio = 0.4;
        const PruneReport first = pruneWithCache(r, *store);
        QVERIFY(first.computed);
        QCOMPARE(first.trajectory.steps.size(), std::size_t{2});
        QCOMPARE(first.planSteps, std::size_t{2});
        QCOMPARE(first.plan.operations.size(), std::size_t{4});
        QCOMPARE(first.plan.method["seeds"].size(), std::size_t{1});
        QVERIFY(first.plan.method["seeds"][0].get<std::string>().rfind("finercut ", 0) == 0);
        PruneRequest small = r;
        small.ratios.clear();
        small.ratio = 0.2;
        const auto again = pruneFromStore(small, *store);
        QVERIFY(again.has_value());
        QCOMPARE(again->plan.operations.size(), std::size_t{2});
        QCOMPARE(unitLabels(again->trajectory.steps[0].units), unitLabels(first.trajectory.steps[0].units));
        PruneRequest more = small;
        more.ratio = 0.3;
        QVERIFY(!pruneFromStore(more, *store).has_value());
        const PruneReport grown = pruneWithCache(more, *store);
        QVERIFY(grown.computed);
        QCOMPARE(grown.trajectory.steps.size(), std::size_t{3});
        QCOMPARE(grown.trajectory.steps[1].units.size(), std::size_t{3});
        QCOMPARE(grown.planSteps, std::size_t{2});
        QCOMPARE(grown.trajectory.steps[2].score, first.trajectory.steps[1].score);
    }

    void badOptions() {
        PruneRequest r;
        r.options.method = "finercut";
        r.ratio = 0.2;
        r.ratios = {0.1, 0.2};
        QVERIFY_THROWS_EXCEPTION(Error, checkStoppingRule(r));  // a list for a greedy method
        r.options.method = "evo";
        checkStoppingRule(r);  // a list is taken by a search (an exception fails the test)
        r.options.evo.offspring = 0;
        QVERIFY_THROWS_EXCEPTION(Error, checkStoppingRule(r));
        PruneOptions o;
        o.method = "evo";
        o.evo.sizes = {11};  // stories260K has 10 sublayers
        QVERIFY_THROWS_EXCEPTION(Error, runPruning(*mModel, mCalibration, o));
    }
};

QTEST_APPLESS_MAIN(TestEvo)
#include "test_evo.moc"
