// Sliding Layer Merging (methods.md) on the real stories260K model (5 blocks) with 8 × 64 tokens
// of the shared calibration text. Expected values come from brute force written here: merged
// models built with mergeBlocks, full forwards from block 0, cosines computed in the test, and
// an independent replay of the decision procedure.

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/runtime.h"
#include "data/token_windows.h"
#include "eval/perplexity.h"
#include "expect_error.h"
#include "fixtures.h"
#include "model/forward.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/merge.h"
#include "pruning/slm.h"
#include "pruning/slm_evaluator.h"
#include "tokenizer/tokenizer.h"

using namespace lamina;
using lamina::test::sharedDir;

namespace {

using Windows = std::vector<std::pair<int64_t, int64_t>>;  // (first, last), original indices

Windows windowsOf(const std::vector<SlmMerge>& merges) {
    Windows w;
    for (const SlmMerge& m : merges) w.emplace_back(m.first, m.last);
    return w;
}

QString show(const Windows& w) {
    QStringList parts;
    for (const auto& [a, b] : w) parts << QString("[%1..%2]").arg(a).arg(b);
    return "{" + parts.join(' ') + "}";
}

// The original model with `windows` merged, built block by block with mergeBlocks.
Model handMerged(const Model& model, const Windows& windows, const std::string& formula) {
    Model m = model;
    m.blocks.clear();
    m.sourceLayers.clear();
    for (int64_t i = 0; i < model.numLayers();) {
        const auto w = std::find_if(windows.begin(), windows.end(), [&](const auto& p) { return p.first == i; });
        if (w != windows.end()) {
            std::vector<const BlockWeights*> blocks;
            for (int64_t l = w->first; l <= w->second; ++l) blocks.push_back(&model.blocks[static_cast<std::size_t>(l)]);
            m.blocks.push_back(mergeBlocks(blocks, parseMergeFormula(formula), model.computeType));
            m.sourceLayers.push_back(i);
            i = w->second + 1;
        } else {
            m.blocks.push_back(model.blocks[static_cast<std::size_t>(i)]);
            m.sourceLayers.push_back(i);
            ++i;
        }
    }
    m.config.numLayers = m.numLayers();
    return m;
}

PruningPlan mergePlan(const Model& model, const Windows& windows, const std::string& formula) {
    PruningPlan plan;
    plan.layers = model.numLayers();
    for (const auto& [a, b] : windows) plan.operations.push_back(PlanOperation::merge(a, b, parseMergeFormula(formula)));
    return plan;
}

}  // namespace

#define COMPARE_WINDOWS(got, expected)                                            \
    do {                                                                          \
        const Windows g_ = (got), e_ = (expected);                                \
        QVERIFY2(g_ == e_, qPrintable(show(g_) + " vs expected " + show(e_)));    \
    } while (false)

class TestSlm : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> mModel;
    TokenWindows mCalibration;
    at::Tensor mIds;       // (N, T)
    at::Tensor mOriginal;  // final-normed last hidden states of the original model (N, T, d), float64
    std::map<std::pair<std::string, Windows>, double> mBruteMemo;

    // Mean over all tokens of cos(original, merged) of the final-normed last hidden states,
    // everything from block 0.
    double bruteSimilarity(const Windows& windows, const std::string& formula) {
        const auto key = std::make_pair(formula, windows);
        if (const auto it = mBruteMemo.find(key); it != mBruteMemo.end()) return it->second;
        const Model m = handMerged(*mModel, windows, formula);
        const at::Tensor h = runBlocks(m, embedTokens(m, mIds), 0, m.numLayers());
        const at::Tensor y = finalNorm(m, h).to(at::kDouble);
        const at::Tensor cos = (y * mOriginal).sum(-1) /
                               (y.pow(2).sum(-1).sqrt() * mOriginal.pow(2).sum(-1).sqrt());
        const double s = cos.mean().item<double>();
        mBruteMemo[key] = s;
        return s;
    }

    // methods.md's decision procedure, replayed on brute-force similarities.
    Windows referenceSlm(double threshold, const std::string& formula, int64_t lowest, int64_t highest) {
        Windows committed;
        int64_t high = highest, low = high - 1;
        bool extended = false;
        for (; low >= lowest;) {
            Windows trial = committed;
            trial.emplace_back(low, high);
            if (bruteSimilarity(trial, formula) > threshold) {
                extended = true;
                --low;
                continue;
            }
            if (extended) committed.emplace_back(low + 1, high);
            extended = false;
            high = low;
            low = high - 1;
        }
        if (extended) committed.emplace_back(low + 1, high);
        return committed;
    }

    SlmOptions options(double threshold, const std::string& formula = "rdsc") const {
        SlmOptions o;
        o.threshold = threshold;
        o.formula = parseMergeFormula(formula);
        return o;
    }

    void addThresholdRows() {
        QTest::addColumn<QString>("formula");
        QTest::addColumn<double>("threshold");
        for (const char* f : {"rdsc", "inplace", "average"}) {
            for (double t : {1.0, 0.99, 0.95, 0.9, 0.8, 0.72, 0.5, 0.3, 0.0, -1.0}) {
                QTest::newRow(qPrintable(QString("%1 T=%2").arg(f).arg(t))) << QString(f) << t;
            }
        }
    }

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        configureRuntime(2);
        const auto dir = sharedDir() / "models" / "stories260K";
        mModel = loadModel(dir);
        QCOMPARE(mModel->numLayers(), 5);
        const auto tokenizer = loadLlama2cTokenizer(dir / "llama2c" / "tok512.bin", 512);
        QFile text(QString::fromStdString((sharedDir() / "data" / "tinystories" / "calibration.txt").string()));
        QVERIFY(text.open(QIODevice::ReadOnly));
        const QByteArray bytes = text.readAll();
        const auto tokens = tokenizer->encode(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())), false);
        mCalibration = makeWindows(tokens, 64, BosPolicy::First, 1, 8);
        QCOMPARE(mCalibration.numWindows, 8);
        mIds = at::tensor(mCalibration.ids, at::TensorOptions().dtype(at::kInt)).to(at::kLong).view({8, 64});
        mOriginal = finalNorm(*mModel, runBlocks(*mModel, embedTokens(*mModel, mIds), 0, 5)).to(at::kDouble);
    }

    // Properties 1 and 2: each commit's window is similar enough in the state before it, its
    // one-larger extension is not, and the reported similarity is the brute-force one.
    void commitsAreMaximalWindows_data() { addThresholdRows(); }
    void commitsAreMaximalWindows() {
        QFETCH(QString, formula);
        QFETCH(double, threshold);
        const std::string f = formula.toStdString();
        const SlmResult r = runSlm(*mModel, mCalibration, options(threshold, f));
        Windows state;
        for (const SlmMerge& m : r.merges) {
            QVERIFY(m.last - m.first >= 1);
            QVERIFY(m.first >= 0 && m.last <= 3);  // default range: the last block is protected
            Windows trial = state;
            trial.emplace_back(m.first, m.last);
            const double s = bruteSimilarity(trial, f);
            QVERIFY2(s > threshold, qPrintable(QString("[%1..%2]: %3").arg(m.first).arg(m.last).arg(s)));
            QVERIFY2(std::fabs(s - m.similarity) < 1e-6,
                     qPrintable(QString("reported %1, brute force %2").arg(m.similarity).arg(s)));
            if (m.first - 1 >= 0) {
                Windows larger = state;
                larger.emplace_back(m.first - 1, m.last);
                QVERIFY(bruteSimilarity(larger, f) <= threshold);
            }
            state.emplace_back(m.first, m.last);
        }
        // Commits go top-down and never overlap.
        for (std::size_t i = 1; i < r.merges.size(); ++i) QVERIFY(r.merges[i].last < r.merges[i - 1].first);
    }

    // The whole result agrees with an independent replay of the spec on brute-force values.
    void matchesReference_data() { addThresholdRows(); }
    void matchesReference() {
        QFETCH(QString, formula);
        QFETCH(double, threshold);
        const std::string f = formula.toStdString();
        const Windows expected = referenceSlm(threshold, f, 0, 3);
        const Windows got = windowsOf(runSlm(*mModel, mCalibration, options(threshold, f)).merges);
        QVERIFY2(got == expected, qPrintable(show(got) + " vs reference " + show(expected)));
    }

    // Property 3: the trajectory's perplexities are those of the applied plans.
    void trajectoryPerplexities() {
        const SlmResult r = runSlm(*mModel, mCalibration, options(-1.0, "rdsc"));
        const SlmResult r2 = runSlm(*mModel, mCalibration, options(0.0, "inplace"));
        for (const auto* result : {&r, &r2}) {
            const Trajectory& t = result->trajectory;
            QCOMPARE(t.method, std::string("slm"));
            QCOMPARE(t.scoreName, std::string("similarity"));
            QCOMPARE(t.steps.size(), result->merges.size());
            const double base = evaluatePerplexity(*mModel, mCalibration).perplexity;
            QVERIFY(std::fabs(t.basePerplexity - base) < 1e-9 * base);
            const std::string formula = nlohmann::json::parse(t.parameters).at("formula");
            Windows sofar;
            int64_t removed = 0;
            for (std::size_t k = 0; k < t.steps.size(); ++k) {
                const TrajectoryStep& s = t.steps[k];
                QCOMPARE(s.kind, StepKind::Merge);
                QCOMPARE(s.layer, result->merges[k].first);
                QCOMPARE(s.lastLayer, result->merges[k].last);
                QCOMPARE(s.score, result->merges[k].similarity);
                sofar.emplace_back(s.layer, s.lastLayer);
                removed += 2 * (s.lastLayer - s.layer);
                QCOMPARE(s.removedSublayers, removed);
                const auto pruned = applyPlan(*mModel, mergePlan(*mModel, sofar, formula));
                const double ppl = evaluatePerplexity(*pruned, mCalibration).perplexity;
                QVERIFY2(std::fabs(s.perplexity - ppl) < 1e-9 * ppl,
                         qPrintable(QString("step %1: %2 vs %3").arg(k).arg(s.perplexity).arg(ppl)));
            }
        }
        QVERIFY(!r.trajectory.steps.empty());
        const auto p = nlohmann::json::parse(r.trajectory.parameters);
        QVERIFY(p == (nlohmann::json{{"threshold", -1.0}, {"formula", "rdsc"}, {"lowest", 0}, {"highest", 3}}));
    }

    // Property 4: the extremes, by hand for L = 5 (default range [0, 3]).
    void extremes() {
        for (const char* f : {"rdsc", "inplace", "average"}) {
            QVERIFY(runSlm(*mModel, mCalibration, options(1.0, f)).merges.empty());
            // Every extension is accepted: [2..3], [1..3], [0..3], then the lower bound is reached.
            const SlmResult all = runSlm(*mModel, mCalibration, options(-1.0, f));
            COMPARE_WINDOWS(windowsOf(all.merges), (Windows{{0, 3}}));
            QCOMPARE(all.trajectory.steps.size(), std::size_t{1});
            QCOMPARE(all.trajectory.steps[0].removedSublayers, int64_t{6});
        }
        // An explicit range that includes the last block.
        SlmOptions o = options(-1.0);
        o.lowest = 1;
        o.highest = 4;
        COMPARE_WINDOWS(windowsOf(runSlm(*mModel, mCalibration, o).merges), (Windows{{1, 4}}));
        o.lowest = 2;
        o.highest = 3;
        COMPARE_WINDOWS(windowsOf(runSlm(*mModel, mCalibration, o).merges), (Windows{{2, 3}}));
        o.threshold = 1.0;
        QVERIFY(runSlm(*mModel, mCalibration, o).merges.empty());
    }

    // Property 5: the sweep's intervals cover [−1, 1] and each is what runSlm gives inside it.
    void sweep_data() {
        QTest::addColumn<QString>("formula");
        QTest::newRow("rdsc") << QString("rdsc");
        QTest::newRow("inplace") << QString("inplace");
        QTest::newRow("average") << QString("average");
    }
    void sweep() {
        QFETCH(QString, formula);
        const std::string f = formula.toStdString();
        const std::vector<SlmSweepEntry> sweep = sweepSlm(*mModel, mCalibration, options(0.5, f));
        QVERIFY(!sweep.empty());
        QVERIFY(sweep.front().thresholdHigh > 1.0);
        QCOMPARE(sweep.back().thresholdLow, -1.0);
        QVERIFY(sweep.front().merges.empty());
        COMPARE_WINDOWS(windowsOf(sweep.back().merges), (Windows{{0, 3}}));
        for (std::size_t i = 0; i < sweep.size(); ++i) {
            const SlmSweepEntry& e = sweep[i];
            QVERIFY(e.thresholdLow < e.thresholdHigh);
            if (i > 0) {
                QCOMPARE(e.thresholdHigh, sweep[i - 1].thresholdLow);            // ordered, no gaps
                QVERIFY(windowsOf(e.merges) != windowsOf(sweep[i - 1].merges));  // coalesced
            }
            int64_t removed = 0;
            for (const SlmMerge& m : e.merges) removed += m.last - m.first;
            QCOMPARE(e.removedBlocks, removed);

            const double top = std::nextafter(std::min(e.thresholdHigh, std::nextafter(1.0, 2.0)), -2.0);
            const double mid = 0.5 * (e.thresholdLow + top);
            for (double t : {e.thresholdLow, mid, top}) {
                const SlmResult r = runSlm(*mModel, mCalibration, options(t, f));
                QVERIFY2(windowsOf(r.merges) == windowsOf(e.merges),
                         qPrintable(QString("T=%1: runSlm %2, sweep [%3, %4) %5")
                                        .arg(t, 0, 'g', 17)
                                        .arg(show(windowsOf(r.merges)))
                                        .arg(e.thresholdLow, 0, 'g', 17)
                                        .arg(e.thresholdHigh, 0, 'g', 17)
                                        .arg(show(windowsOf(e.merges)))));
                for (std::size_t k = 0; k < r.merges.size(); ++k) {
                    QCOMPARE(r.merges[k].similarity, e.merges[k].similarity);
                }
            }
            // Away from the ends, brute force agrees too.
            QVERIFY2(referenceSlm(mid, f, 0, 3) == windowsOf(e.merges), qPrintable(QString("T=%1").arg(mid)));
        }
        qInfo("%s: %d intervals", qPrintable(formula), static_cast<int>(sweep.size()));
    }

    // Property 5, formulas: on a window of >= 3 blocks RDSC and in-place merge differently.
    void formulasDiffer() {
        const SlmResult rdsc = runSlm(*mModel, mCalibration, options(-1.0, "rdsc"));
        const SlmResult inplace = runSlm(*mModel, mCalibration, options(-1.0, "inplace"));
        COMPARE_WINDOWS(windowsOf(rdsc.merges), windowsOf(inplace.merges));  // [0..3]: 4 blocks
        QVERIFY(std::fabs(rdsc.merges[0].similarity - inplace.merges[0].similarity) > 1e-4);
        QVERIFY(std::fabs(rdsc.trajectory.steps[0].perplexity - inplace.trajectory.steps[0].perplexity) > 1e-3);
        // ... so their sweeps differ.
        const auto a = sweepSlm(*mModel, mCalibration, options(0, "rdsc"));
        const auto b = sweepSlm(*mModel, mCalibration, options(0, "inplace"));
        bool differ = a.size() != b.size();
        for (std::size_t i = 0; !differ && i < a.size(); ++i) {
            differ = a[i].thresholdLow != b[i].thresholdLow || windowsOf(a[i].merges) != windowsOf(b[i].merges);
        }
        QVERIFY(differ);
    }

    // Chunked calibration and a strided residual cache change nothing but rounding.
    void batchingAndStrideInvariant() {
        for (double t : {0.9, 0.0, -1.0}) {
            const SlmResult whole = runSlm(*mModel, mCalibration, options(t));
            SlmOptions o = options(t);
            o.batchWindows = 3;  // chunks of 3, 3, 2
            const SlmResult chunked = runSlm(*mModel, mCalibration, o);
            COMPARE_WINDOWS(windowsOf(chunked.merges), windowsOf(whole.merges));
            for (std::size_t k = 0; k < whole.merges.size(); ++k) {
                QVERIFY(std::fabs(chunked.merges[k].similarity - whole.merges[k].similarity) < 1e-6);
            }
        }
        // A residual budget of one byte keeps every 4th layer of [0, 4): only h_0.
        SlmEvaluator full(*mModel, mCalibration, MergeFormula::Rdsc, 0, 4, 8, {});
        SlmEvaluator strided(*mModel, mCalibration, MergeFormula::Rdsc, 0, 4, 8, {}, 1);
        QCOMPARE(full.residualStride(), int64_t{1});
        QCOMPARE(strided.residualStride(), int64_t{4});
        for (int64_t low = 0; low < 3; ++low) {
            QVERIFY(std::fabs(full.similarity({}, low, 3) - strided.similarity({}, low, 3)) < 1e-9);
        }
        for (int64_t low = 0; low < 2; ++low) {  // with [3..4] committed
            const double brute = bruteSimilarity({{3, 4}, {low, 2}}, "rdsc");
            QVERIFY(std::fabs(full.similarity({{3, 4}}, low, 2) - brute) < 1e-6);
            QVERIFY(std::fabs(strided.similarity({{3, 4}}, low, 2) - brute) < 1e-6);
        }
    }

    // Property 6: returning false cancels at once, for the run and the sweep.
    void cancellation() {
        for (int stopAt : {1, 2, 4}) {
            int calls = 0;
            const ProgressFn stop = [&](int64_t, int64_t) { return ++calls < stopAt; };
            QVERIFY_THROWS_EXCEPTION(Cancelled, runSlm(*mModel, mCalibration, options(0.5), stop));
            QCOMPARE(calls, stopAt);  // not called again after it said stop
            calls = 0;
            QVERIFY_THROWS_EXCEPTION(Cancelled, sweepSlm(*mModel, mCalibration, options(0.5), stop));
            QCOMPARE(calls, stopAt);
        }
        // Progress is monotone and ends at its total.
        std::vector<std::pair<int64_t, int64_t>> seen;
        const ProgressFn record = [&](int64_t d, int64_t t) {
            seen.emplace_back(d, t);
            return true;
        };
        for (int pass = 0; pass < 2; ++pass) {
            seen.clear();
            if (pass == 0) {
                runSlm(*mModel, mCalibration, options(0.0), record);
            } else {
                sweepSlm(*mModel, mCalibration, options(0.0), record);
            }
            QVERIFY(seen.size() >= 3);
            for (std::size_t i = 1; i < seen.size(); ++i) {
                QVERIFY(seen[i].first >= seen[i - 1].first);
                QCOMPARE(seen[i].second, seen[0].second);
                QVERIFY(seen[i].first <= seen[i].second);
            }
            QCOMPARE(seen.back().first, seen.back().second);
        }
    }

    // Property 7: bad options name the problem.
    void badOptions() {
        using lamina::test::expectError;
        auto run = [&](const SlmOptions& o) { runSlm(*mModel, mCalibration, o); };
        SlmOptions o = options(1.5);
        expectError([&] { run(o); }, {"threshold"});
        o = options(-1.01);
        expectError([&] { run(o); }, {"threshold"});
        o = options(std::numeric_limits<double>::quiet_NaN());
        expectError([&] { run(o); }, {"threshold"});
        // A formula is an enum inside core: an unknown name fails where it is parsed.
        expectError([&] { parseMergeFormula("sum"); }, {"sum", "rdsc, inplace or average"});
        for (auto [lo, hi] : std::vector<std::pair<int64_t, int64_t>>{{-1, 3}, {0, 5}, {3, 3}, {4, 2}, {0, -2}}) {
            o = options(0.5);
            o.lowest = lo;
            o.highest = hi;
            expectError([&] { run(o); }, {"lowest < highest"});
            expectError([&] { sweepSlm(*mModel, mCalibration, o); }, {"lowest < highest"});
        }
        o = options(0.5);
        o.batchWindows = -1;
        expectError([&] { run(o); }, {"batchWindows"});
        expectError([&] { runSlm(*mModel, TokenWindows{}, options(0.5)); }, {"calibration"});
        const auto pruned = applyPlan(*mModel, mergePlan(*mModel, {{1, 2}}, "rdsc"));
        expectError([&] { runSlm(*pruned, mCalibration, options(0.5)); }, {"unpruned"});
        // The sweep ignores the threshold.
        QVERIFY(!sweepSlm(*mModel, mCalibration, options(7.0)).empty());
    }
};

QTEST_GUILESS_MAIN(TestSlm)
#include "test_slm.moc"
