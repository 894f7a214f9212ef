// The session and its jobs on stories260K (a small calibration set keeps it quick): the job
// lifecycle (progress, finish, failure, prompt cancel, closing during a job), undoable plan
// edits, and that what the session shows is what the results file holds and what the core
// computes when asked directly.

#include <QSignalSpy>
#include <QtTest/QtTest>

#include <chrono>
#include <thread>

#include "common/runtime.h"
#include "eval/perplexity.h"
#include "fixtures.h"
#include "job.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/repair.h"
#include "pruning/trajectory_records.h"
#include "analysis/analysis_records.h"
#include "main_window.h"
#include "session.h"
#include "widgets/heatmap_view.h"
#include "widgets/importance_view.h"
#include "widgets/layer_map_view.h"
#include "widgets/trajectory_view.h"
#include "store/results_store.h"

using namespace lamina;
using lamina::test::sharedDir;

namespace {

CalibrationRequest smallCalibration() {
    CalibrationRequest c;
    c.windows = 2;
    c.seqLen = 32;
    return c;
}

QString stories() { return QString::fromStdString((sharedDir() / "models" / "stories260K").string()); }

}  // namespace

class TestSession : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

    QString results(const char* name) { return mTmp.filePath(name); }

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        configureRuntime(2);
    }

    void jobReportsProgressAndFinishes() {
        bool published = false;
        Job job("count", [&](const ProgressFn& progress) {
            for (int i = 0; i <= 20; ++i) {
                reportProgress(progress, i, 20);
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            return Job::Completion([&] { published = true; });
        });
        QSignalSpy progress(&job, &Job::progress), finished(&job, &Job::finished);
        job.start();
        QVERIFY(finished.wait(5000));
        QVERIFY(published);  // the completion ran on this (the GUI) thread, before `finished`
        QVERIFY(progress.count() >= 2);
        QCOMPARE(progress.last()[0].toDouble(), 1.0);
    }

    void jobFailureCarriesTheMessage() {
        Job job("bad", [](const ProgressFn&) -> Job::Completion { throw Error("config.json: field 'x': missing"); });
        QSignalSpy failed(&job, &Job::failed);
        job.start();
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed[0][0].toString(), QString("config.json: field 'x': missing"));
    }

    void cancelReturnsPromptly() {
        Job job("forever", [](const ProgressFn& progress) {
            for (int64_t i = 0;; ++i) {
                reportProgress(progress, i, 1 << 30);
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            return Job::Completion();
        });
        QSignalSpy cancelled(&job, &Job::cancelled), finished(&job, &Job::finished);
        job.start();
        QTest::qWait(100);
        QElapsedTimer t;
        t.start();
        job.cancel();
        QVERIFY(cancelled.wait(2000));
        QVERIFY(t.elapsed() < 500);
        QCOMPARE(finished.count(), 0);
    }

    // Opening a model with an empty results file runs the default analysis, the default
    // methods and the merge sweep; everything lands in the file, and a second session on the
    // same file shows the same results without computing them again.
    void openComputesThenReopensFromTheFile() {
        Session session;
        session.setCalibration(smallCalibration());
        QSignalSpy opened(&session, &Session::modelOpened), started(&session, &Session::jobStarted);
        QStringList log;  // every job's outcome, shown when a check fails
        connect(&session, &Session::jobEnded, this, [&log](const QString& title, const QString& outcome) { log << title + ": " + outcome; });
        session.openModel(stories(), results("a.h5"));
        QVERIFY(session.waitIdle(300000));
        QCOMPARE(opened.count(), 1);
        QVERIFY2(started.count() >= 7, qPrintable(log.join("; ")));  // open, analysis, 4 methods, sweep
        QVERIFY2(!log.join(";").contains("failed") && log.filter("finished").size() == log.size(), qPrintable(log.join("; ")));
        const AnalysisOutput& a = session.analysis();
        QVERIFY(a.similarities.size() >= 8);  // 4 measures + angular distance, two representations
        QVERIFY(a.importances.size() >= 6);
        QCOMPARE(session.trajectories().size(), std::size_t{4});
        QVERIFY(!session.mergeSweep().empty());
        QVERIFY(session.planCheck().has_value());

        // What the session shows is what the file holds.
        const auto store = ResultsStore::open(results("a.h5").toStdString(), false);
        for (const SimilarityMatrix& m : a.similarities) {
            bool found = false;
            for (const ResultMeta& meta : store->list()) {
                if (meta.kind != "similarity" || meta.method != m.measure || meta.parameters != m.parameters) continue;
                const SimilarityMatrix stored = similarityFromRecord(store->load(meta.key()));
                if (stored.representation != m.representation) continue;
                QCOMPARE(stored.values, m.values);
                found = true;
            }
            QVERIFY2(found, m.measure.c_str());
        }
        for (const Trajectory& t : session.trajectories()) {
            bool found = false;
            for (const ResultMeta& meta : store->list()) {
                if (meta.kind != "trajectory" || meta.method != t.method) continue;
                const Trajectory stored = trajectoryFromRecord(store->load(meta.key()));
                QCOMPARE(stored.steps.size(), t.steps.size());
                for (std::size_t k = 0; k < t.steps.size(); ++k) QCOMPARE(stored.steps[k].perplexity, t.steps[k].perplexity);
                found = true;
            }
            QVERIFY2(found, t.method.c_str());
        }

        Session again;
        again.setCalibration(smallCalibration());
        QElapsedTimer timer;
        timer.start();
        again.openModel(stories(), results("a.h5"));
        QVERIFY(again.waitIdle(60000));
        QCOMPARE(again.trajectories().size(), std::size_t{4});
        QCOMPARE(again.analysis().similarities.size(), a.similarities.size());
        QCOMPARE(again.analysis().similarities[0].values, a.similarities[0].values);
        QCOMPARE(again.mergeSweep().size(), session.mergeSweep().size());
        qInfo("reopening from the results file took %lld ms", static_cast<long long>(timer.elapsed()));
    }

    // The main window's views show what the results file holds, and a click on the layer map
    // edits the session's plan.
    void windowShowsWhatTheFileHolds() {
        MainWindow window;
        window.session()->setCalibration(smallCalibration());
        QVERIFY(window.openModel(stories(), true, results("a.h5")));
        window.show();
        QVERIFY(window.session()->waitIdle(60000));
        const auto store = ResultsStore::open(results("a.h5").toStdString(), false);
        QVERIFY(window.heatmap()->selectVariant("cka_linear/residual"));
        const SimilarityMatrix* shown = window.heatmap()->current();
        QVERIFY(shown != nullptr);
        bool matched = false;
        for (const ResultMeta& meta : store->list()) {
            if (meta.kind != "similarity" || meta.method != "cka_linear") continue;
            const SimilarityMatrix m = similarityFromRecord(store->load(meta.key()));
            if (m.representation != "residual") continue;
            for (int i = 0; i < m.size(); ++i) {
                for (int j = 0; j < m.size(); ++j) QCOMPARE(window.heatmap()->displayedValue(i, j), m.at(i, j));
            }
            matched = true;
        }
        QVERIFY(matched);
        QVERIFY(window.importance()->selectMetric("js_drop"));
        int importanceRecords = 0;
        for (const ResultMeta& meta : store->list()) {
            if (meta.kind != "importance" || meta.method != "js_drop") continue;
            ++importanceRecords;
            const ImportanceScores scores = importanceFromRecord(store->load(meta.key()));
            const auto attn = window.importance()->curve("attn");
            QCOMPARE(attn.size(), std::size_t{5});
            for (const auto& [layer, value] : attn) QCOMPARE(value, scores.value("attn." + std::to_string(static_cast<int>(layer))));
        }
        QCOMPARE(importanceRecords, 1);
        const auto& shownTrajectories = window.trajectories()->trajectories();
        QCOMPARE(shownTrajectories.size(), std::size_t{4});
        for (std::size_t k = 0; k < shownTrajectories.size(); ++k) {
            const auto pts = window.trajectories()->points(k);
            const Trajectory& t = shownTrajectories[k];
            // Shortened LLaMA's default "+" set protects all five blocks of stories260K.
            QCOMPARE(pts.size(), t.steps.size() + 1);
            QCOMPARE(pts.front().second, t.basePerplexity);
            if (!t.steps.empty()) QCOMPARE(pts.back().second, t.steps.back().perplexity);
        }
        LayerMapView* map = window.layerMap();
        map->resize(map->sizeHint());
        QTest::mouseClick(map, Qt::LeftButton, {}, map->cellCenter({Unit::Kind::Mlp, 2}));
        QVERIFY(window.session()->plan().mlpRemoved[2]);
        QVERIFY(window.session()->waitIdle(60000));
        QVERIFY(window.session()->planCheck().has_value());
    }

    // The repair switch: the check scores the plan without and with the repair, each equal to
    // the perplexity computed here directly, and switching back drops the repaired figure.
    void repairSwitchScoresBoth() {
        Session session;
        session.setCalibration(smallCalibration());
        session.openModel(stories(), results("a.h5"));
        QVERIFY(session.waitIdle(60000));
        QVERIFY(session.toggleUnit({Unit::Kind::Attn, 2}));
        QVERIFY(session.toggleUnit({Unit::Kind::Mlp, 2}));
        session.setRepair(RepairKind::Rescale);
        QVERIFY(!session.planCheck().has_value());  // re-evaluating, not the old numbers
        QVERIFY(session.waitIdle(60000));
        const PlanCheck c = *session.planCheck();
        QCOMPARE(c.repair, RepairKind::Rescale);

        const auto model = loadModel(sharedDir() / "models" / "stories260K");
        CalibrationSet set = resolveCalibration(smallCalibration(), sharedDir() / "models" / "stories260K",
                                                session.workbench()->fingerprint());
        ensureCalibrationIds(set, *model, session.workbench()->store(), session.workbench()->fingerprint());
        PruningPlan plan = session.currentPlan();
        const double without = evaluatePerplexity(*applyPlan(*model, plan), set.windows).perplexity;
        plan.repair = fitRepair(*model, plan, RepairKind::Rescale, set.windows);
        const double with = evaluatePerplexity(*applyPlan(*model, plan), set.windows).perplexity;
        QVERIFY2(std::fabs(c.perplexity - without) < 1e-6 * without, qPrintable(QString("%1 vs %2").arg(c.perplexity).arg(without)));
        QVERIFY2(std::fabs(c.repairedPerplexity - with) < 1e-6 * with, qPrintable(QString("%1 vs %2").arg(c.repairedPerplexity).arg(with)));
        QVERIFY(std::fabs(with - without) > 1e-6 * without);

        // The chart's repaired curves: one per trajectory, one value per step, each the
        // repaired plan of that step's point.
        QCOMPARE(session.repairedTrajectories().size(), session.trajectories().size());
        QVERIFY(!session.trajectories().empty());
        const Trajectory& t = session.trajectories().front();
        QCOMPARE(session.repairedTrajectories().front().size(), t.steps.size());
        PruningPlan step = session.workbench()->makePlan(t.operations(2), nlohmann::json::object());
        step.repair = fitRepair(*model, step, RepairKind::Rescale, set.windows);
        const double stepPpl = evaluatePerplexity(*applyPlan(*model, step), set.windows,
                                                  {}, autoBatchWindows(set.windows, model->config.vocabSize, 0)).perplexity;
        QVERIFY2(std::fabs(session.repairedTrajectories().front()[1] - stepPpl) < 1e-6 * stepPpl,
                 qPrintable(QString("%1 vs %2").arg(session.repairedTrajectories().front()[1]).arg(stepPpl)));

        // Exported with the switch on, the plan carries the repair: read back and applied it
        // scores the repaired perplexity.
        const QString exported = results("repaired-plan.json");
        session.exportPlan(exported, {{"note", "test"}});
        QVERIFY(session.waitIdle(60000));
        const PruningPlan written = readPlan(exported.toStdString());
        QCOMPARE(written.repair.kind, RepairKind::Rescale);
        QCOMPARE(written.metrics["note"].get<std::string>(), std::string("test"));
        const double read = evaluatePerplexity(*applyPlan(*model, written), set.windows).perplexity;
        QVERIFY2(std::fabs(read - with) < 1e-6 * with, qPrintable(QString("%1 vs %2").arg(read).arg(with)));

        session.setRepair(RepairKind::None);
        QVERIFY(session.waitIdle(60000));
        QVERIFY(session.repairedTrajectories().empty());
        QCOMPARE(session.planCheck()->repair, RepairKind::None);
        QCOMPARE(session.planCheck()->perplexity, c.perplexity);
        session.exportPlan(exported, {});
        QVERIFY(session.waitIdle(60000));
        QVERIFY(!readPlan(exported.toStdString()).repair.active());
    }

    // Toggling units is undoable, and the re-evaluated calibration PPL equals the perplexity
    // of the plan applied to the model, computed here directly.
    void editsAreUndoableAndReevaluated() {
        Session session;
        session.setCalibration(smallCalibration());
        session.openModel(stories(), results("a.h5"));  // results exist: no heavy computation
        QVERIFY(session.waitIdle(60000));
        const double base = session.planCheck()->perplexity;
        QSignalSpy checked(&session, &Session::planCheckChanged);
        QVERIFY(session.toggleUnit({Unit::Kind::Attn, 1}));
        QVERIFY(session.toggleUnit({Unit::Kind::Mlp, 3}));
        QVERIFY(session.plan().attnRemoved[1] && session.plan().mlpRemoved[3]);
        QVERIFY(session.waitIdle(60000));
        QVERIFY(checked.count() >= 1);
        const double pruned = session.planCheck()->perplexity;
        QVERIFY(pruned != base);

        const auto model = loadModel(sharedDir() / "models" / "stories260K");
        const PruningPlan plan = session.currentPlan();
        const CalibrationSet set = [&] {
            CalibrationSet s = resolveCalibration(smallCalibration(), sharedDir() / "models" / "stories260K",
                                                  session.workbench()->fingerprint());
            ensureCalibrationIds(s, *model, session.workbench()->store(), session.workbench()->fingerprint());
            return s;
        }();
        const double direct = evaluatePerplexity(*applyPlan(*model, plan), set.windows).perplexity;
        QVERIFY2(std::fabs(direct - pruned) < 1e-6 * direct, qPrintable(QString("%1 vs %2").arg(direct).arg(pruned)));

        session.undoStack()->undo();
        QVERIFY(!session.plan().mlpRemoved[3] && session.plan().attnRemoved[1]);
        session.undoStack()->undo();
        QVERIFY(session.plan() == EditablePlan::empty(5));
        QVERIFY(session.waitIdle(60000));
        QCOMPARE(session.planCheck()->perplexity, base);
        session.undoStack()->redo();
        QVERIFY(session.plan().attnRemoved[1]);

        // A merge from the sweep: its blocks cannot be toggled until it is undone.
        const SlmSweepEntry* withMerges = nullptr;
        for (const SlmSweepEntry& e : session.mergeSweep()) {
            if (!e.merges.empty()) withMerges = &e;
        }
        QVERIFY(withMerges != nullptr);
        const double t = 0.5 * (withMerges->thresholdLow + withMerges->thresholdHigh);
        session.applyMergeThreshold(t);
        QCOMPARE(session.plan().merges.size(), withMerges->merges.size());
        QVERIFY(!session.toggleUnit({Unit::Kind::Attn, withMerges->merges[0].first}));
        session.undoStack()->undo();
        QVERIFY(session.plan().merges.empty());
        QVERIFY(session.waitIdle(60000));
    }

    // A model that cannot be opened is reported once, by the open job itself, also while
    // another model is open (which stays open); a later job's failure is no failed open.
    void failedOpenIsReportedByItsJob() {
        QTemporaryDir bad;
        QFile config(bad.filePath("config.json"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"model_type\": \"llama\", \"hidden_size\": \"wide\"}");
        config.close();
        Session session;
        QSignalSpy failed(&session, &Session::openFailed);
        session.openModel(bad.path(), results("bad.h5"));
        QVERIFY(session.waitIdle(60000));
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.at(0).at(0).toString().contains("config.json"), qPrintable(failed.at(0).at(0).toString()));
        QVERIFY(!session.isOpen());

        session.setCalibration(smallCalibration());
        session.openModel(stories(), results("a.h5"));
        QVERIFY(session.waitIdle(60000));
        QVERIFY(session.isOpen());
        session.openModel(bad.path(), results("bad.h5"));  // the old code said nothing here
        QVERIFY(session.waitIdle(60000));
        QCOMPARE(failed.count(), 2);
        QCOMPARE(session.modelPath(), stories());

        QSignalSpy ended(&session, &Session::jobEnded);
        EvalRequest request;
        request.dataDir = bad.filePath("no-such-folder").toStdString();
        session.runEvaluation(request, false);
        QVERIFY(session.waitIdle(60000));
        QCOMPARE(ended.count(), 1);
        QVERIFY(ended.at(0).at(1).toString() != "finished");
        QCOMPARE(failed.count(), 2);
    }

    // Closing the session while a job runs cancels it and returns promptly.
    void closingDuringAJobCancelsIt() {
        auto* session = new Session;
        CalibrationRequest big;
        big.windows = 64;
        big.seqLen = 128;
        session->setCalibration(big);
        QSignalSpy started(session, &Session::jobStarted);
        session->openModel(stories(), results("b.h5"));
        // Wait for the default analysis (the second job) to be under way.
        QTRY_VERIFY_WITH_TIMEOUT(started.count() >= 2, 60000);
        QTest::qWait(300);
        QVERIFY(session->isBusy());
        QElapsedTimer t;
        t.start();
        delete session;
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
    }
};

QTEST_MAIN(TestSession)
#include "test_session.moc"
