// lamina-cli analyze / show on the bundled demo model with self-generated calibration (no
// fixtures needed): JSON carries the matrices and vectors, the second run is answered from the
// results file, show lists what the file holds, bad input exits 2 with one line.

#include <QtTest/QtTest>

#include <QJsonArray>

#include <cmath>

#include "cli_runner.h"
#include "fixtures.h"

using lamina::test::runCli;

namespace {
QString demo() { return QString::fromStdString(lamina::test::demoModelDir().string()); }
}  // namespace

class TestCliAnalyze : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

private Q_SLOTS:
    void analyzeThenCache() {
        const QString out = mTmp.filePath("demo.h5");
        const QStringList args = {"analyze", demo(), "--seq", "32", "--windows", "2",
                                  "--metrics", "cka_linear,bi,magnitude", "--out", out, "--json"};
        const auto first = runCli(args);
        QCOMPARE(first.exitCode, 0);
        const QJsonObject j = first.json();
        QVERIFY(j["computed"].toBool());
        QCOMPARE(j["calibration"].toObject()["kind"].toString(), QString("self_generated"));
        const QJsonArray results = j["results"].toArray();
        QCOMPARE(results.size(), 3);
        const QJsonObject cka = results[0].toObject();
        QCOMPARE(cka["method"].toString(), QString("cka_linear"));
        const QJsonArray matrix = cka["matrix"].toArray();
        QCOMPARE(matrix.size(), 17);
        QCOMPARE(matrix[3].toArray().size(), 17);
        QVERIFY(std::fabs(matrix[3].toArray()[3].toDouble() - 1.0) < 1e-6);
        const QJsonObject bi = results[1].toObject();
        QCOMPARE(bi["units"].toArray().size(), 48);
        QCOMPARE(bi["values"].toArray().size(), 48);

        const auto second = runCli(args);
        QCOMPARE(second.exitCode, 0);
        QVERIFY(!second.json()["computed"].toBool());
        for (const auto& r : second.json()["results"].toArray()) QVERIFY(r.toObject()["cached"].toBool());
        QCOMPARE(second.json()["results"].toArray()[0].toObject()["matrix"], cka["matrix"]);

        const auto show = runCli({"show", out, "--json"});
        QCOMPARE(show.exitCode, 0);
        const QJsonArray stored = show.json()["results"].toArray();
        QCOMPARE(stored.size(), 4);  // + the self-generated calibration ids
        int calibrations = 0;
        for (const auto& r : stored) {
            const QJsonObject o = r.toObject();
            QVERIFY(!o["model_fingerprint"].toString().isEmpty());
            QVERIFY(!o["created"].toString().isEmpty());
            if (o["kind"].toString() == "calibration") {
                ++calibrations;
                QCOMPARE(o["data"].toObject()["ids"].toArray().size(), 64);
                QCOMPARE(o["data"].toObject()["ids"].toArray()[0].toInt(), 1);  // BOS
            }
        }
        QCOMPARE(calibrations, 1);
        const auto text = runCli({"show", out});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("cka_linear"));
    }

    void badInput() {
        const QString out = mTmp.filePath("bad.h5");
        auto r = runCli({"analyze", demo(), "--seq", "32", "--windows", "2", "--metrics",
                         "cka_linear,frobnicate", "--out", out});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("unknown metric 'frobnicate'"));
        QFile junk(mTmp.filePath("junk.h5"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("this is not HDF5");
        junk.close();
        r = runCli({"show", junk.fileName()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("junk.h5"));
        QVERIFY(!r.err.trimmed().contains('\n'));
        r = runCli({"show", mTmp.filePath("missing.h5")});
        QCOMPARE(r.exitCode, 2);
        r = runCli({"analyze", demo(), "--seq", "32", "--windows", "2", "--metrics", "bi",
                    "--out", junk.fileName()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("junk.h5"));
    }
};

QTEST_GUILESS_MAIN(TestCliAnalyze)
#include "test_cli_analyze.moc"
