// lamina-cli prune / apply / ppl --plan end to end on stories260K: every method yields a JSON
// trajectory and a plan; the plan evaluates (in memory and exported) to the trajectory's PPL.

#include <QtTest/QtTest>

#include <QJsonArray>
#include <cmath>

#include "cli_runner.h"
#include "fixtures.h"

using lamina::test::runCli;
using lamina::test::shared;

namespace {
QStringList data() { return lamina::test::storiesCalibrationArgs(); }
}  // namespace

class TestCliPrune : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

private Q_SLOTS:
    void initTestCase() { LAMINA_REQUIRE_SHARED(); }

    void everyMethod_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QStringList>("rule");
        for (const char* m : {"finercut", "shortgpt", "angular", "sleb", "blockpruner", "llm-drop"}) {
            QTest::newRow(m) << QString(m) << QStringList{"--ratio", "0.4"};
        }
        QTest::newRow("shortened-ppl") << "shortened-ppl" << QStringList{"--ratio", "0.4", "--protect", "0"};
        QTest::newRow("shortened-taylor") << "shortened-taylor" << QStringList{"--steps", "2", "--protect", "0,4"};
        QTest::newRow("slm") << "slm" << QStringList{"--threshold", "0.5", "--merge", "average"};
    }

    // The plan's PPL, re-evaluated by `ppl --plan`, is the trajectory's PPL at the plan step.
    void everyMethod() {
        QFETCH(QString, method);
        QFETCH(QStringList, rule);
        const QString plan = mTmp.filePath(method + ".json");
        const auto r = runCli(QStringList{"prune", shared("models/stories260K"), "--method", method}
                              << data() << rule << QStringList{"--out", plan, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject j = r.json();
        QCOMPARE(j["method"].toString(), method);
        const QJsonArray steps = j["steps"].toArray();
        const int planSteps = j["plan_steps"].toInt();
        QVERIFY(planSteps >= 1);
        QVERIFY(planSteps <= steps.size());
        for (const auto& s : steps) {
            const QJsonObject o = s.toObject();
            QVERIFY(o.contains("kind") && o.contains("score") && o.contains("ppl"));
            QVERIFY(o.contains("layer") || o.contains("layers"));
        }
        const double expected = steps[planSteps - 1].toObject()["ppl"].toDouble();
        const auto eval = runCli({"ppl", shared("models/stories260K"), "--text",
                                  shared("data/tinystories/calibration.txt"), "--tokenizer",
                                  shared("models/stories260K/llama2c/tok512.bin"), "--seq", "64",
                                  "--windows", "4", "--plan", plan, "--json"});
        QVERIFY2(eval.exitCode == 0, eval.err.constData());
        QVERIFY2(std::fabs(eval.json()["ppl"].toDouble() - expected) / expected < 1e-5,
                 qPrintable(QString("ppl --plan %1, trajectory %2").arg(eval.json()["ppl"].toDouble()).arg(expected)));
        QCOMPARE(QJsonDocument::fromJson([&] {
                     QFile f(plan);
                     f.open(QIODevice::ReadOnly);
                     return f.readAll();
                 }()).object()["schema"].toInt(), 1);
    }

    // apply writes a checkpoint whose perplexity equals the in-memory plan's (fp32: exact).
    void applyMatchesPlan() {
        const QString plan = mTmp.filePath("apply.json");
        QCOMPARE(runCli(QStringList{"prune", shared("models/stories260K"), "--method", "finercut"}
                        << data() << QStringList{"--steps", "3", "--out", plan}).exitCode, 0);
        const QString out = mTmp.filePath("pruned");
        const auto a = runCli({"apply", shared("models/stories260K"), "--plan", plan, "--out", out, "--json"});
        QVERIFY2(a.exitCode == 0, a.err.constData());
        auto ppl = [&](const QStringList& extra, const QString& model) {
            const auto r = runCli(QStringList{"ppl", model, "--text", shared("data/tinystories/calibration.txt"),
                                              "--tokenizer", shared("models/stories260K/llama2c/tok512.bin"),
                                              "--seq", "64", "--windows", "4", "--json"} << extra);
            return r.json()["ppl"].toDouble();
        };
        const double inMemory = ppl({"--plan", plan}, shared("models/stories260K"));
        QVERIFY(inMemory > 0);
        QCOMPARE(ppl({}, out), inMemory);
        QCOMPARE(runCli({"apply", shared("models/stories260K"), "--plan", plan, "--out", out}).exitCode, 2);
    }

    // A plan made for another model is refused with the fingerprints in the message.
    void fingerprintMismatch() {
        const QString plan = mTmp.filePath("other.json");
        QCOMPARE(runCli(QStringList{"prune", shared("models/stories260K"), "--method", "shortgpt"}
                        << data() << QStringList{"--steps", "1", "--out", plan}).exitCode, 0);
        const auto r = runCli({"ppl", shared("models/tiny-llama3-untied"), "--text",
                               shared("data/tinystories/calibration.txt"), "--seq", "16", "--plan", plan});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("made for model"));
        const auto a = runCli({"apply", shared("models/tiny-llama3-untied"), "--plan", plan, "--out",
                               mTmp.filePath("x")});
        QCOMPARE(a.exitCode, 2);
    }

    // With --results the second run is answered from the file.
    void cachedTrajectory() {
        const QStringList args = QStringList{"prune", shared("models/stories260K"), "--method", "sleb"}
                                 << data()
                                 << QStringList{"--steps", "2", "--out", mTmp.filePath("s.json"),
                                                "--results", mTmp.filePath("r.h5"), "--json"};
        const auto first = runCli(args);
        QCOMPARE(first.exitCode, 0);
        QVERIFY(!first.json()["cached"].toBool());
        const auto second = runCli(args);
        QCOMPARE(second.exitCode, 0);
        QVERIFY(second.json()["cached"].toBool());
        QCOMPARE(second.json()["steps"], first.json()["steps"]);
    }

    void badInput() {
        auto r = runCli(QStringList{"prune", shared("models/stories260K"), "--method", "finercut"} << data()
                        << QStringList{"--out", mTmp.filePath("b.json")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("--ratio"));
        r = runCli(QStringList{"prune", shared("models/stories260K"), "--method", "nope"} << data()
                   << QStringList{"--ratio", "0.2", "--out", mTmp.filePath("b.json")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("unknown pruning method"));
        QFile bad(mTmp.filePath("bad.json"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"schema": 1, "model": {"fingerprint": "x", "layers": 5}, "operations": [{"op": "drop_block", "layer": 9}]})");
        bad.close();
        r = runCli({"ppl", shared("models/stories260K"), "--text", shared("data/tinystories/calibration.txt"),
                    "--tokenizer", shared("models/stories260K/llama2c/tok512.bin"), "--seq", "16",
                    "--plan", bad.fileName()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("bad.json"));
        QVERIFY(r.err.contains("layer 9"));
    }
};

QTEST_GUILESS_MAIN(TestCliPrune)
#include "test_cli_prune.moc"
