// Results are computed once and answered from the HDF5 store afterwards, keyed by model and
// data fingerprints and parameters. Uses a small random model with self-generated calibration.

#include <QtTest/QtTest>

#include "analysis/cached_analysis.h"
#include "model/model.h"
#include "store/results_store.h"
#include "tiny_model.h"

using namespace lamina;
namespace fs = std::filesystem;

class TestCachedAnalysis : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;
    fs::path dir() const { return mTmp.path().toStdString(); }

    AnalysisRequest request() const {
        AnalysisRequest r;
        r.model = dir() / "model";
        r.data.seqLen = 12;
        r.data.windows = 3;
        r.options.metrics = {Metric::CkaLinear, Metric::Cosine, Metric::Bi, Metric::PplDrop};
        r.options.minibatchTokens = 8;
        return r;
    }

private Q_SLOTS:
    void initTestCase() { test::writeTinyModel(dir() / "model"); }

    void secondRunComesFromTheStore() {
        const auto store = ResultsStore::open(dir() / "a.h5");
        const AnalysisReport first = analyzeWithCache(request(), *store);
        QVERIFY(first.computed);
        QCOMPARE(first.output.similarities.size(), std::size_t{3});  // + angular_distance
        QCOMPARE(first.output.importances.size(), std::size_t{2});
        QCOMPARE(first.calibration.windows.ids.size(), std::size_t{36});
        for (bool cached : first.importanceFromCache) QVERIFY(!cached);

        const auto reopened = ResultsStore::open(dir() / "a.h5");
        const AnalysisReport second = analyzeWithCache(request(), *reopened);
        QVERIFY(!second.computed);
        for (bool cached : second.similarityFromCache) QVERIFY(cached);
        for (bool cached : second.importanceFromCache) QVERIFY(cached);
        QCOMPARE(second.output.similarities.size(), first.output.similarities.size());
        for (std::size_t i = 0; i < first.output.similarities.size(); ++i) {
            QCOMPARE(second.output.similarities[i].values, first.output.similarities[i].values);
            QCOMPARE(second.output.similarities[i].labels, first.output.similarities[i].labels);
        }
        QCOMPARE(second.output.importances[1].values, first.output.importances[1].values);
        QCOMPARE(second.output.importances[1].extras.at("base_ppl"),
                 first.output.importances[1].extras.at("base_ppl"));
    }

    // Another metric on the same data reuses the stored self-generated ids.
    void calibrationIdsAreReused() {
        const auto store = ResultsStore::open(dir() / "b.h5");
        const AnalysisReport first = analyzeWithCache(request(), *store);
        AnalysisRequest more = request();
        more.options.metrics = {Metric::JsDrop};
        const AnalysisReport second = analyzeWithCache(more, *store);
        QVERIFY(second.computed);
        QCOMPARE(second.calibration.fingerprint, first.calibration.fingerprint);
        QCOMPARE(second.calibration.windows.ids, first.calibration.windows.ids);
        int calibrations = 0;
        for (const auto& meta : store->list()) calibrations += meta.kind == "calibration";
        QCOMPARE(calibrations, 1);
    }

    // A model passed in files and finds results under its own dtype, whatever the request says
    // (the request's dtype was used before: results computed in bfloat16 were looked up as
    // float32, so never found, and an entry point holding a loaded model recomputed forever).
    void loadedModelKeysByItsDtype() {
        const auto store = ResultsStore::open(dir() / "d.h5");
        LoadOptions load;
        load.compute = ComputeDtype::BFloat16;
        const auto model = loadModel(dir() / "model", load);
        const AnalysisRequest asked = request();  // float32
        QVERIFY(analyzeWithCache(asked, *store, {}, model).computed);
        QVERIFY(!analyzeWithCache(asked, *store, {}, model).computed);
        AnalysisRequest bf16 = request();
        bf16.compute = ComputeDtype::BFloat16;
        QVERIFY(!analyzeWithCache(bf16, *store).computed);
        QVERIFY(analyzeWithCache(asked, *store).computed);  // nothing was computed in float32
    }

    // Anything that shapes a result changes its key.
    void keysFollowTheInputs() {
        const auto store = ResultsStore::open(dir() / "c.h5");
        analyzeWithCache(request(), *store);
        AnalysisRequest windows = request();
        windows.data.windows = 4;
        QVERIFY(analyzeWithCache(windows, *store).computed);
        AnalysisRequest seed = request();
        seed.data.seed = 1;
        QVERIFY(analyzeWithCache(seed, *store).computed);
        AnalysisRequest rep = request();
        rep.options.sublayer = true;
        QVERIFY(analyzeWithCache(rep, *store).computed);
        // A different checkpoint at the same path: new fingerprint, recomputed.
        test::TinySpec other;
        other.ff = 20;
        test::writeTinyModel(dir() / "model", other);
        QVERIFY(analyzeWithCache(request(), *store).computed);
        test::writeTinyModel(dir() / "model");  // restore for the other tests
        QVERIFY(!analyzeWithCache(request(), *store).computed);
    }
};

QTEST_APPLESS_MAIN(TestCachedAnalysis)
#include "test_cached_analysis.moc"
