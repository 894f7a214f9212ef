// lamina-cli end to end against references computed with transformers and tokenizers.

#include <QJsonArray>
#include <QtTest/QtTest>
#include <cmath>

#include "cli_runner.h"
#include "fixtures.h"
#include "golden.h"

using lamina::test::runCli;
using lamina::test::shared;
using lamina::test::sharedDir;

class TestCliGolden : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { LAMINA_REQUIRE_SHARED(); }

    // The golden NLL holds two 128-token windows of eval.txt tokenized once with BOS at the
    // start: `ppl --seq 128 --windows 2` must reproduce exp(mean NLL) — tokenizer, windowing
    // and forward pass together.
    void pplMatchesTransformers() {
        const lamina::test::GoldenFile golden(sharedDir() / "golden" /
                                              "tinystories-student.safetensors");
        const double expected = std::exp(golden.get("nll").to(at::kDouble).mean().item<double>());
        const auto r = runCli({"ppl", shared("models/tinystories-student"), "--text",
                               shared("data/tinystories/eval.txt"), "--seq", "128", "--windows",
                               "2", "--json"});
        QCOMPARE(r.exitCode, 0);
        const double ppl = r.json()["ppl"].toDouble();
        QVERIFY2(std::fabs(ppl - expected) / expected < 1e-4,
                 qPrintable(QString("ppl %1, transformers %2").arg(ppl).arg(expected)));
        QCOMPARE(r.json()["tokens"].toInt(), 2 * 127);
    }

    void infoOnTinyModels_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QVariant>("value");
        QTest::newRow("mistral head_dim") << "tiny-mistral-headdim"
                                          << "head_dim" << QVariant(24);
        QTest::newRow("mistral kv") << "tiny-mistral-headdim"
                                    << "kv_heads" << QVariant(1);
        QTest::newRow("qwen2 bias") << "tiny-qwen2-bias"
                                    << "qkv_bias" << QVariant(true);
        QTest::newRow("llama3 rope") << "tiny-llama3-untied"
                                     << "rope_scaling" << QVariant("llama3");
        QTest::newRow("llama3 untied") << "tiny-llama3-untied"
                                       << "tied_embeddings" << QVariant(false);
        QTest::newRow("stories family") << "stories260K"
                                        << "layers" << QVariant(5);
    }

    void infoOnTinyModels() {
        QFETCH(QString, model);
        QFETCH(QString, key);
        QFETCH(QVariant, value);
        const auto r = runCli({"info", shared("models/" + model.toStdString()), "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json()[key].toVariant(), value);
    }

    void llama2cModel() {
        const QString bin = shared("models/stories260K/llama2c/stories260K.bin");
        const auto info = runCli({"info", bin, "--json"});
        QCOMPARE(info.exitCode, 0);
        QCOMPARE(info.json()["format"].toString(), QString("llama2c"));
        QCOMPARE(info.json()["vocab_size"].toInt(), 512);
        // tok512.bin is found beside the checkpoint.
        const auto r = runCli({"ppl", bin, "--text", shared("data/tinystories/eval.txt"), "--seq",
                               "64", "--windows", "4", "--json"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.json()["ppl"].toDouble() > 1.0 && r.json()["ppl"].toDouble() < 100.0);
    }

    void tokenizeLlama3() {
        const auto r = runCli({"tokenize", shared("tokenizers/llama3/tokenizer.json"), "--text",
                               "Hello world", "--json", "--no-special"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json()["ids"].toArray(), (QJsonArray{9906, 1917}));
    }
};

QTEST_GUILESS_MAIN(TestCliGolden)
#include "test_cli_golden.moc"
