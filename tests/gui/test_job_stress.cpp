// Cancel and close during every kind of job, many times, at random moments (the demo model):
// each time the session stops promptly, nothing crashes, the results file opens and holds
// every result it held before (each still loads), and a cancelled export leaves either no
// model directory or a complete one. Rounds per case: LAMINA_STRESS_ROUNDS (default 1;
// scripts/stress.sh runs more), seed: LAMINA_TEST_SEED. docs/reliability.md has the numbers.
// Under ThreadSanitizer (scripts/run-tsan.sh): LAMINA_STRESS_THREADS=1 keeps libgomp's
// workers (invisible to TSan) out of it, LAMINA_STRESS_TIME_SCALE stretches every time limit.

#include <QApplication>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest/QtTest>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "common/runtime.h"
#include "job.h"
#include "fixtures.h"
#include "main_window.h"
#include "model/model.h"
#include "session.h"
#include "store/results_store.h"

using namespace lamina;
using lamina::test::sharedDir;
namespace fs = std::filesystem;

namespace {

CalibrationRequest smallCalibration() {
    CalibrationRequest c;
    c.windows = 2;
    c.seqLen = 32;
    return c;
}

QString demoModel() { return QString::fromStdString(lamina::test::demoModelDir().string()); }

// Closes any modal dialog (a job's failure message) so the test fails instead of hanging,
// keeping its text.
class DialogCatcher : public QObject {
public:
    QStringList texts;
    DialogCatcher() {
        mTimer.callOnTimeout([this] {
            if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
                texts << box->windowTitle() + ": " + box->text();
                box->reject();
            }
        });
        mTimer.start(100);
    }

private:
    QTimer mTimer;
};

// Starts one job of the named kind on an open, idle session; nothing it computes is in the
// prepared results file, so it really computes.
void startJob(Session& s, const QString& kind, const QString& exportDir) {
    if (kind == "analysis") {
        CalibrationRequest c = smallCalibration();
        c.windows = 4;
        s.setCalibration(c);  // runs the default analysis for the new calibration
    } else if (kind == "finercut" || kind == "shortened-ppl" || kind == "shortened-taylor" ||
               kind == "sleb" || kind == "blockpruner") {
        s.runMethod(kind.toStdString(), 0.75);
    } else if (kind == "merge_sweep") {
        CalibrationRequest c = smallCalibration();
        c.seqLen = 48;
        s.setCalibration(c);
        s.cancelJobs();  // drop the analysis setCalibration queued: only the sweep
        s.runMergeSweep();
    } else if (kind == "evaluation") {
        EvalRequest r;
        r.protocol = evalPreset("llm-pruner");
        r.dataDir = sharedDir() / "data";
        r.limit = 30;
        s.runEvaluation(r, false);
    } else if (kind == "export") {
        s.toggleUnit({Unit::Kind::Mlp, 2});
        s.exportModel(exportDir, "hf");
    } else if (kind == "plan_check") {
        s.toggleUnit({Unit::Kind::Attn, 1});  // the re-evaluation lane
        s.toggleUnit({Unit::Kind::Mlp, 3});
    } else {
        QFAIL(qPrintable("unknown job kind " + kind));
    }
}

}  // namespace

class TestJobStress : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;
    QString mBase;  // a results file holding the default analysis and methods
    std::set<std::string> mBaseKeys;
    std::mt19937_64 mRng;
    int mRounds = 1;
    int mScale = 1;  // multiplies every time limit (sanitizer builds run 5-20x slower)
    DialogCatcher mDialogs;

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        configureRuntime(qEnvironmentVariableIsSet("LAMINA_STRESS_THREADS")
                             ? qEnvironmentVariableIntValue("LAMINA_STRESS_THREADS")
                             : 2);
        if (qEnvironmentVariableIsSet("LAMINA_STRESS_TIME_SCALE"))
            mScale = std::max(1, qEnvironmentVariableIntValue("LAMINA_STRESS_TIME_SCALE"));
        quint64 seed = QRandomGenerator::system()->generate64();
        if (qEnvironmentVariableIsSet("LAMINA_TEST_SEED"))
            seed = qEnvironmentVariable("LAMINA_TEST_SEED").toULongLong();
        qInfo("seed %llu (LAMINA_TEST_SEED to replay)", static_cast<unsigned long long>(seed));
        mRng.seed(seed);
        if (qEnvironmentVariableIsSet("LAMINA_STRESS_ROUNDS"))
            mRounds = qEnvironmentVariableIntValue("LAMINA_STRESS_ROUNDS");
        mBase = mTmp.filePath("base.h5");
        Session session;
        session.setCalibration(smallCalibration());
        session.openModel(demoModel(), mBase);
        QVERIFY(session.waitIdle(300000 * mScale));
        QVERIFY(session.isOpen());
        for (const ResultMeta& m : ResultsStore::open(mBase.toStdString(), false)->list())
            mBaseKeys.insert(m.key());
        QVERIFY(mBaseKeys.size() > 5);
    }

    void stopDuringEveryJob_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("stop");
        for (const char* kind : {"analysis", "finercut", "shortened-ppl", "shortened-taylor", "sleb",
                                 "blockpruner", "merge_sweep", "evaluation", "export", "plan_check"})
            for (const char* stop : {"cancel", "close window"})
                QTest::addRow("%s, %s", kind, stop) << QString(kind) << QString(stop);
    }

    void stopDuringEveryJob() {
        QFETCH(QString, kind);
        QFETCH(QString, stop);
        std::uniform_int_distribution<int> delayMs(0, 400);
        int busyStops = 0;  // rounds whose stop found the job still running
        qint64 slowestStopMs = 0;
        for (int round = 0; round < mRounds; ++round) {
            const QString tag = QStringLiteral("%1-%2-%3").arg(kind, stop.left(5)).arg(round);
            const QString results = mTmp.filePath(tag + ".h5");
            const QString exportDir = mTmp.filePath(tag + "-export");
            QVERIFY(QFile::copy(mBase, results));

            auto* window = new MainWindow;
            Session& session = *window->session();
            QStringList failures;  // a job that ends neither finished nor cancelled
            connect(&session, &Session::jobEnded, window, [&failures](const QString& title, const QString& outcome) {
                if (outcome != "finished" && outcome != "cancelled") failures << title + ": " + outcome;
            });
            QString running;  // the job under way and its last progress, for slow stops
            connect(&session, &Session::jobStarted, window, [&running, window](Job* job) {
                running = job->title();
                connect(job, &Job::progress, window, [&running, job](double fraction, double) {
                    running = QStringLiteral("%1 at %2").arg(job->title()).arg(fraction, 0, 'f', 3);
                });
            });
            session.setCalibration(smallCalibration());
            session.openModel(demoModel(), results);
            QVERIFY(session.waitIdle(60000 * mScale));  // answered from the copied file
            QVERIFY(session.isOpen());
            startJob(session, kind, exportDir);
            QTest::qWait(delayMs(mRng));

            if (session.isBusy() || session.isChecking()) ++busyStops;
            const QString stoppedAt = running;
            QElapsedTimer t;
            qint64 stopMs = 0;
            t.start();
            if (stop == "cancel") {  // the Cancel button: stops the queue, not the plan check
                session.cancelJobs();
                QTRY_VERIFY_WITH_TIMEOUT(!session.isBusy(), 5000 * mScale);
                stopMs = t.elapsed();
                QVERIFY(session.waitIdle(60000 * mScale));
                window->close();
            } else {
                window->close();  // what the user's close button does; then the app deletes it
            }
            delete window;
            if (stop != "cancel") stopMs = t.elapsed();
            slowestStopMs = std::max(slowestStopMs, stopMs);
            QVERIFY2(failures.isEmpty(), qPrintable(tag + ": " + failures.join("; ")));
            QVERIFY2(mDialogs.texts.isEmpty(), qPrintable(tag + ": " + mDialogs.texts.join("; ")));
            QVERIFY2(stopMs < 5000 * mScale, qPrintable(QStringLiteral("%1: stopping took %2 ms (%3)").arg(tag).arg(stopMs).arg(stoppedAt)));
            if (stopMs > 1000) qInfo("%s: stop took %lld ms (%s)", qPrintable(tag), static_cast<long long>(stopMs), qPrintable(stoppedAt));

            auto store = ResultsStore::open(results.toStdString(), false);
            std::set<std::string> keys;
            for (const ResultMeta& m : store->list()) {
                keys.insert(m.key());
                store->load(m.key());  // throws if a result does not decode
            }
            for (const std::string& k : mBaseKeys)
                QVERIFY2(keys.count(k), qPrintable(tag + ": lost result " + QString::fromStdString(k)));
            if (fs::exists(exportDir.toStdString()))  // published only when complete
                QCOMPARE(loadModel(exportDir.toStdString())->numLayers(), 16);
            const QStringList leftovers = QDir(mTmp.path()).entryList({tag + "*"}, QDir::AllEntries | QDir::Hidden);
            for (const QString& name : leftovers)
                QVERIFY2(name == tag + ".h5" || name == tag + ".h5.lock" || name == tag + "-export",
                         qPrintable(tag + ": left behind " + name));
        }
        qInfo("%d of %d rounds stopped a running job; slowest stop %lld ms", busyStops, mRounds,
              static_cast<long long>(slowestStopMs));
    }
};

QTEST_MAIN(TestJobStress)
#include "test_job_stress.moc"
