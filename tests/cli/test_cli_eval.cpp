// lamina-cli eval end to end on stories260K: JSON report per task, the baseline and the
// performance retained with a plan, answers from the results store, and clear errors.

#include <QtTest/QtTest>

#include <QJsonArray>
#include <cmath>
#include <fstream>

#include "cli_runner.h"
#include "fixtures.h"

using lamina::test::runCli;
using lamina::test::shared;

namespace {
QStringList model() {
    return {shared("models/stories260K"), "--tokenizer", shared("models/stories260K/llama2c/tok512.bin")};
}
}  // namespace

class TestCliEval : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

private Q_SLOTS:
    void initTestCase() { LAMINA_REQUIRE_SHARED(); }

    void reportsEveryTask() {
        const auto r = runCli(QStringList{"eval"} << model()
                                                   << QStringList{"--tasks", "arc_easy,winogrande,lambada_openai,tinystories",
                                                                  "--data-dir", shared("data"), "--limit", "20",
                                                                  "--seq", "64", "--windows", "3", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject j = r.json();
        const QJsonArray tasks = j["tasks"].toArray();
        QCOMPARE(tasks.size(), 4);
        double sum = 0;
        for (int i = 0; i < 3; ++i) {
            const QJsonObject t = tasks[i].toObject();
            QCOMPARE(t["items"].toInt(), 20);
            const double v = t["value"].toDouble();
            QVERIFY(v >= 0 && v <= 1);
            // 20 items: the value is a multiple of 1/20 and its standard error is lm-eval's.
            QVERIFY(std::fabs(v * 20 - std::round(v * 20)) < 1e-9);
            const double se = std::sqrt(v * (1 - v) * 20 / 19) / std::sqrt(20.0);
            QVERIFY(std::fabs(t["stderr"].toDouble() - se) < 1e-9);
            sum += v;
        }
        QCOMPARE(tasks[0].toObject()["metric"].toString(), QString("acc_norm"));
        QVERIFY(tasks[0].toObject()["metrics"].toObject().contains("acc"));
        QVERIFY(tasks[2].toObject()["metrics"].toObject()["ppl"].toObject()["value"].toDouble() > 1);
        const QJsonObject ppl = tasks[3].toObject();
        QCOMPARE(ppl["metric"].toString(), QString("ppl"));
        QCOMPARE(ppl["items"].toInt(), 3);
        QVERIFY(std::fabs(j["average"].toDouble() - sum / 3) < 1e-12);
        QVERIFY(!j.contains("baseline"));
    }

    // With a plan: the pruned numbers, the unpruned baseline and their ratio; a second run is
    // answered from the results file with the same numbers.
    void planBaselineAndCache() {
        const QString plan = mTmp.filePath("plan.json");
        const auto p = runCli(QStringList{"prune"} << model()
                                                    << QStringList{"--method", "shortgpt", "--calib", shared("data/tinystories/calibration.txt"),
                                                                   "--seq", "64", "--windows", "2", "--steps", "2", "--out", plan});
        QVERIFY2(p.exitCode == 0, p.err.constData());
        const QStringList args = QStringList{"eval"} << model()
                                                     << QStringList{"--plan", plan, "--tasks", "copa,piqa", "--data-dir",
                                                                    shared("data/zeroshot"), "--limit", "16", "--results",
                                                                    mTmp.filePath("r.h5"), "--json"};
        const auto r = runCli(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject j = r.json();
        QCOMPARE(j["plan"].toObject()["name"].toString(), QString("shortgpt"));
        const double pruned = j["average"].toDouble();
        const double base = j["baseline"].toObject()["average"].toDouble();
        QVERIFY(base > 0);
        QVERIFY(std::fabs(j["retained"].toDouble() - pruned / base) < 1e-12);
        const QJsonArray tasks = j["tasks"].toArray();
        const QJsonArray baseTasks = j["baseline"].toObject()["tasks"].toArray();
        for (int i = 0; i < 2; ++i) {
            QVERIFY(!tasks[i].toObject()["cached"].toBool());
            const double b = baseTasks[i].toObject()["value"].toDouble();
            if (b > 0) QVERIFY(std::fabs(tasks[i].toObject()["retained"].toDouble() - tasks[i].toObject()["value"].toDouble() / b) < 1e-12);
        }
        const auto again = runCli(args);
        QVERIFY2(again.exitCode == 0, again.err.constData());
        const QJsonObject k = again.json();
        for (int i = 0; i < 2; ++i) {
            QVERIFY(k["tasks"].toArray()[i].toObject()["cached"].toBool());
            QCOMPARE(k["tasks"].toArray()[i].toObject()["value"].toDouble(), tasks[i].toObject()["value"].toDouble());
        }
        QCOMPARE(k["retained"].toDouble(), j["retained"].toDouble());
    }

    void badInputIsExitTwoWithReason_data() {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("needle");
        QTest::newRow("unknown task") << QStringList{"--tasks", "mmlu", "--data-dir", shared("data")} << "unknown task 'mmlu'";
        QTest::newRow("no tasks") << QStringList{"--data-dir", shared("data")} << "--tasks";
        QTest::newRow("bad protocol") << QStringList{"--protocol", "helm", "--data-dir", shared("data")} << "helm";
        QTest::newRow("missing data") << QStringList{"--tasks", "piqa", "--data-dir", "/nonexistent"} << "/nonexistent/piqa.jsonl";
        QTest::newRow("bad metric") << QStringList{"--tasks", "boolq:acc_norm", "--data-dir", shared("data")} << "acc_norm";
    }
    void badInputIsExitTwoWithReason() {
        QFETCH(QStringList, extra);
        QFETCH(QString, needle);
        const auto r = runCli(QStringList{"eval"} << model() << extra);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(needle.toUtf8()), r.err.constData());
    }

    void malformedTaskFileNamesTheLine() {
        const QString dir = mTmp.filePath("bad");
        QDir().mkpath(dir);
        std::ofstream(QString(dir + "/copa.jsonl").toStdString())
            << "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n{\"query\": 3}\n";
        const auto r = runCli(QStringList{"eval"} << model() << QStringList{"--tasks", "copa", "--data-dir", dir});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("copa.jsonl:2") && r.err.contains("query"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliEval)
#include "test_cli_eval.moc"
