// `mpirun -n 2 lamina-cli prune`: two ranks share each greedy step's candidates and produce
// exactly the single-process trajectory; rank 0 alone owns the results file; a failing rank
// ends the run with the error instead of leaving the other waiting.

#include <QtTest/QtTest>

#include <QJsonArray>
#include <QStandardPaths>
#include <cmath>

#include "cli_runner.h"
#include "fixtures.h"

using lamina::test::CliResult;
using lamina::test::runCli;
using lamina::test::shared;

namespace {

QProcessEnvironment mpiEnvironment() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // CI runs as root in a container: allow it, allow more ranks than cores, and use plain
    // shared-memory copies (no ptrace-based single copy in containers).
    env.insert("OMPI_ALLOW_RUN_AS_ROOT", "1");
    env.insert("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    env.insert("OMPI_MCA_rmaps_base_oversubscribe", "1");
    env.insert("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
    return env;
}

CliResult runMpi(const QString& mpirun, int ranks, const QStringList& args) {
    return lamina::test::runProgram(
        mpirun, QStringList{"-n", QString::number(ranks), QStringLiteral(LAMINA_CLI_PATH)} << args,
        mpiEnvironment());
}

// One rank per argument list (mpirun's MPMD form "-n 1 prog args : -n 1 prog args").
CliResult runMpiEach(const QString& mpirun, const std::vector<QStringList>& perRank) {
    QStringList args;
    for (const QStringList& a : perRank) {
        if (!args.isEmpty()) args << ":";
        args << "-n" << "1" << QStringLiteral(LAMINA_CLI_PATH) << a;
    }
    return lamina::test::runProgram(mpirun, args, mpiEnvironment(), 120000);
}

}  // namespace

class TestCliMpi : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;
    QString mMpirun;

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        mMpirun = QStandardPaths::findExecutable("mpirun");
        if (mMpirun.isEmpty()) QSKIP("mpirun not found (bash scripts/install-deps.sh installs openmpi-bin)");
    }

    // Greedy methods share each step's candidates; one-shot methods their scores (shortened-ppl)
    // and the perplexities after each step (all of them).
    void sameTrajectoryAsOneProcess_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<int>("minSteps");
        QTest::newRow("finercut") << "finercut" << QStringList{} << 5;
        QTest::newRow("sleb") << "sleb" << QStringList{} << 5;
        QTest::newRow("blockpruner") << "blockpruner" << QStringList{} << 5;
        QTest::newRow("shortened-ppl") << "shortened-ppl" << QStringList{"--protect", "0"} << 4;
        QTest::newRow("shortgpt") << "shortgpt" << QStringList{} << 5;
        QTest::newRow("angular") << "angular" << QStringList{} << 4;
    }
    void sameTrajectoryAsOneProcess() {
        QFETCH(QString, method);
        QFETCH(QStringList, extra);
        QFETCH(int, minSteps);
        const QStringList args = QStringList{"prune", shared("models/stories260K"), "--method", method}
                                 << lamina::test::storiesCalibrationArgs() << extra
                                 << QStringList{"--ratio", "1", "--threads", "1", "--json"};
        const CliResult one = runCli(QStringList(args) << "--out" << mTmp.filePath(method + "-1.json"));
        QVERIFY2(one.exitCode == 0, one.err.constData());
        const CliResult two = runMpi(mMpirun, 2, QStringList(args) << "--out" << mTmp.filePath(method + "-2.json"));
        QVERIFY2(two.exitCode == 0, two.err.constData());
        // One JSON document: only rank 0 prints, and the work was shared.
        QCOMPARE(QJsonDocument::fromJson(two.out).isObject(), true);
        QCOMPARE(two.json()["ranks"].toInt(), 2);
        const QJsonArray a = one.json()["steps"].toArray(), b = two.json()["steps"].toArray();
        QVERIFY(a.size() >= minSteps);
        QCOMPARE(b.size(), a.size());
        for (int i = 0; i < a.size(); ++i) {
            const QJsonObject x = a[i].toObject(), y = b[i].toObject();
            QCOMPARE(y["kind"].toString(), x["kind"].toString());
            QCOMPARE(y["layer"].toInt(), x["layer"].toInt());
            QCOMPARE(y["score"].toDouble(), x["score"].toDouble());
            QCOMPARE(y["ppl"].toDouble(), x["ppl"].toDouble());
        }
        QCOMPARE(two.json()["base_ppl"].toDouble(), one.json()["base_ppl"].toDouble());
    }

    // The evolutionary search shares each selection's candidates; each rank bounds its own
    // share, and the sets chosen are the single process's.
    void evoSameAsOneProcess() {
        const QStringList args = QStringList{"prune", shared("models/stories260K"), "--method", "evo"}
                                 << lamina::test::storiesCalibrationArgs()
                                 << QStringList{"--ratio", "0.3,0.5", "--generations", "8", "--offspring", "6",
                                                "--threads", "1", "--json"};
        const CliResult one = runCli(QStringList(args) << "--out" << mTmp.filePath("evo-1.json"));
        QVERIFY2(one.exitCode == 0, one.err.constData());
        const CliResult two = runMpi(mMpirun, 2, QStringList(args) << "--out" << mTmp.filePath("evo-2.json"));
        QVERIFY2(two.exitCode == 0, two.err.constData());
        QCOMPARE(two.json()["ranks"].toInt(), 2);
        const QJsonArray a = one.json()["steps"].toArray(), b = two.json()["steps"].toArray();
        QCOMPARE(a.size(), 2);
        QCOMPARE(b.size(), 2);
        for (int i = 0; i < a.size(); ++i) {
            const QJsonObject x = a[i].toObject(), y = b[i].toObject();
            QCOMPARE(y["kind"].toString(), QString("set"));
            QCOMPARE(y["units"].toArray(), x["units"].toArray());
            QCOMPARE(y["score"].toDouble(), x["score"].toDouble());
            QCOMPARE(y["ppl"].toDouble(), x["ppl"].toDouble());
        }
        QCOMPARE(a[0].toObject()["units"].toArray().size(), 3);
        QCOMPARE(a[1].toObject()["units"].toArray().size(), 5);
    }

    // Rank 0 writes the results file; asked again, every rank learns it holds the answer.
    void rankZeroOwnsTheResultsFile() {
        const QString results = mTmp.filePath("mpi.h5");
        const QStringList args = QStringList{"prune", shared("models/stories260K"), "--method", "finercut"}
                                 << lamina::test::storiesCalibrationArgs()
                                 << QStringList{"--steps", "3", "--results", results, "--out",
                                                mTmp.filePath("cached.json"), "--json"};
        const CliResult first = runMpi(mMpirun, 2, args);
        QVERIFY2(first.exitCode == 0, first.err.constData());
        QCOMPARE(first.json()["cached"].toBool(), false);
        QVERIFY(QFile::exists(results));
        const CliResult again = runMpi(mMpirun, 2, args);
        QVERIFY2(again.exitCode == 0, again.err.constData());
        QCOMPARE(again.json()["cached"].toBool(), true);
        QCOMPARE(again.json()["steps"].toArray(), first.json()["steps"].toArray());
    }

    // Zero-shot evaluation shared by item: the same metrics as one process (the items each
    // rank scores run in batches of their own, so log-likelihoods agree to rounding); a
    // second run with the results file is answered from it on every task.
    void evalMatchesOneProcess() {
        const QString results = mTmp.filePath("eval.h5");
        const QStringList args = {"eval", shared("models/stories260K"), "--tokenizer",
                                  shared("models/stories260K/llama2c/tok512.bin"), "--tasks",
                                  "arc_easy,piqa,winogrande,lambada_openai,wikitext2", "--data-dir", shared("data"),
                                  "--limit", "30", "--windows", "200", "--threads", "1", "--json"};
        const CliResult one = runCli(args);
        QVERIFY2(one.exitCode == 0, one.err.constData());
        const CliResult two = runMpi(mMpirun, 2, QStringList(args) << "--results" << results);
        QVERIFY2(two.exitCode == 0, two.err.constData());
        const QJsonArray a = one.json()["tasks"].toArray(), b = two.json()["tasks"].toArray();
        QCOMPARE(b.size(), 5);
        for (int i = 0; i < a.size(); ++i) {
            const QJsonObject x = a[i].toObject(), y = b[i].toObject();
            QCOMPARE(y["items"].toInt(), x["items"].toInt());
            if (x["task"].toString() != "wikitext2") QCOMPARE(y["items"].toInt(), 30);
            QCOMPARE(y["tokens"].toInt(), x["tokens"].toInt());
            const QJsonObject mx = x["metrics"].toObject(), my = y["metrics"].toObject();
            QCOMPARE(my.keys(), mx.keys());
            for (const QString& k : mx.keys()) {
                const double u = mx[k].toObject()["value"].toDouble(), v = my[k].toObject()["value"].toDouble();
                QVERIFY2(std::fabs(u - v) <= 1e-5 * std::fabs(u), qPrintable(x["task"].toString() + " " + k));
            }
        }
        const CliResult again = runMpi(mMpirun, 2, QStringList(args) << "--results" << results);
        QVERIFY2(again.exitCode == 0, again.err.constData());
        for (const auto& t : again.json()["tasks"].toArray()) QVERIFY(t.toObject()["cached"].toBool());
    }

    // Only rank 1 fails (its model path does not exist) while rank 0 goes on to the first
    // exchange: the run must end with rank 1's error, not leave rank 0 waiting.
    void aFailingRankEndsTheRun() {
        const QStringList common = lamina::test::storiesCalibrationArgs()
                                   << QStringList{"--method", "finercut", "--steps", "1", "--out", mTmp.filePath("x.json")};
        const CliResult r = runMpiEach(mMpirun, {QStringList{"prune", shared("models/stories260K")} << common,
                                                 QStringList{"prune", mTmp.filePath("no-such-model")} << common});
        QVERIFY2(r.err != "timed out", "rank 0 was left waiting");
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("(rank 1 of 2)") && r.err.contains("no-such-model"), r.err.constData());
    }

    // Ranks that read different calibration ids would break the single-process trajectory.
    void ranksMustHoldTheSameCalibration() {
        const QStringList base = {"prune", shared("models/stories260K"), "--method", "finercut", "--calib",
                                  shared("data/tinystories/calibration.txt"), "--tokenizer",
                                  shared("models/stories260K/llama2c/tok512.bin"), "--seq", "64",
                                  "--steps", "1", "--out", mTmp.filePath("y.json")};
        const CliResult r = runMpiEach(mMpirun, {QStringList(base) << "--windows" << "4",
                                                 QStringList(base) << "--windows" << "3"});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("holds different calibration ids"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliMpi)
#include "test_cli_mpi.moc"
