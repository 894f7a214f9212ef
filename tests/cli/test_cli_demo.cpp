// lamina-cli against the bundled demo model: the command-line contract (JSON on stdout, exit
// code 2 with a one-line error on bad input). Needs no ../shared.

#include <ATen/Context.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest/QtTest>

#include "cli_runner.h"
#include "fixtures.h"

using lamina::test::runCli;

namespace {
QString demo() { return QString::fromStdString(lamina::test::demoModelDir().string()); }

void verifyBadInput(const lamina::test::CliResult& r, const QString& needle) {
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.out.isEmpty());
    const QString err = QString::fromUtf8(r.err).trimmed();
    QVERIFY2(!err.contains('\n'), qPrintable("error spans several lines: " + err));
    QVERIFY2(err.contains(needle), qPrintable("'" + err + "' lacks '" + needle + "'"));
}
}  // namespace

class TestCliDemo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void infoJson() {
        const auto r = runCli({"info", demo(), "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = r.json();
        QCOMPARE(j["family"].toString(), QString("llama"));
        QCOMPARE(j["layers"].toInt(), 16);
        QCOMPARE(j["heads"].toInt(), 8);
        QCOMPARE(j["kv_heads"].toInt(), 4);
        QCOMPARE(j["vocab_size"].toInt(), 32000);
        QCOMPARE(j["dtype"].toString(), QString("BF16"));
        QCOMPARE(j["params"].toInteger(), 19800320);  // index.json metadata.total_parameters
        QCOMPARE(j["blocks"].toArray().size(), 16);
    }

    void infoText() {
        const auto r = runCli({"info", demo()});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("layers        16"));
    }

    // "Once upon a time" is four whole-word pieces of the vocabulary; their ids are looked
    // up in tokenizer.json directly, BOS is "<s>" = 1.
    void tokenize() {
        QFile file(demo() + "/tokenizer.json");
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject vocab = QJsonDocument::fromJson(file.readAll())
                                      .object()["model"]
                                      .toObject()["vocab"]
                                      .toObject();
        QJsonArray expected;
        for (const char* piece : {"▁Once", "▁upon", "▁a", "▁time"}) {
            QVERIFY(vocab.contains(QString::fromUtf8(piece)));
            expected.append(vocab[QString::fromUtf8(piece)].toInt());
        }
        const auto plain =
            runCli({"tokenize", demo(), "--text", "Once upon a time", "--json", "--no-special"});
        QCOMPARE(plain.exitCode, 0);
        QCOMPARE(plain.json()["ids"].toArray(), expected);
        expected.prepend(1);
        const auto r = runCli({"tokenize", demo(), "--text", "Once upon a time", "--json"});
        QCOMPARE(r.json()["ids"].toArray(), expected);
        QCOMPARE(r.json()["tokens"].toArray()[1].toString(), QString("▁Once"));
    }

    // Window arithmetic: BOS once, then floor((n + 1) / T) windows of T tokens, T − 1
    // predictions each.
    void pplCountsTokens() {
        QTemporaryDir dir;
        const QString text = dir.filePath("story.txt");
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 20; ++i) {
            f.write(
                "Once upon a time, there was a little girl named Lily. She loved to play "
                "outside in the park with her friends. ");
        }
        f.close();
        const auto tok = runCli({"tokenize", demo(), "--text", QString::fromUtf8([&] {
                                     QFile g(text);
                                     g.open(QIODevice::ReadOnly);
                                     return g.readAll();
                                 }()),
                                 "--json", "--no-special"});
        const int n = tok.json()["ids"].toArray().size();
        QVERIFY(n > 64);
        const auto r = runCli({"ppl", demo(), "--text", text, "--seq", "32", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = r.json();
        const int windows = (n + 1) / 32;
        QCOMPARE(j["windows"].toInt(), windows);
        QCOMPARE(j["tokens"].toInt(), windows * 31);
        QCOMPARE(j["text_tokens"].toInt(), n);
        // A repeated simple story is easy for a TinyStories model.
        QVERIFY(j["ppl"].toDouble() > 1.0 && j["ppl"].toDouble() < 20.0);
        const auto each = runCli({"ppl", demo(), "--text", text, "--seq", "32", "--bos", "each",
                                  "--windows", "3", "--json"});
        QCOMPARE(each.json()["windows"].toInt(), 3);
    }

    // A repaired plan (prune --repair) reads back with its matrices: `ppl --plan` on the
    // calibration windows reproduces the PPL prune reported with the repair, and so does the
    // exported checkpoint.
    void repairThroughCommands() {
        QTemporaryDir dir;
        const QString text = dir.filePath("story.txt");
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 12; ++i) {
            f.write("Tom had a red ball. He threw it to his dog, and the dog ran after it. ");
            f.write("Then it started to rain, so they went inside and had warm soup together. ");
        }
        f.close();
        const QString plan = dir.filePath("plan.json");
        const QStringList calib = {"--calib", text, "--seq", "32", "--windows", "4"};
        const auto pruned = runCli(QStringList{"prune", demo(), "--method", "shortened-ppl", "--steps", "2", "--out", plan,
                                               "--repair", "linear", "--json"} + calib);
        QCOMPARE(pruned.exitCode, 0);
        const QJsonObject repair = pruned.json()["repair"].toObject();
        QCOMPARE(repair["kind"].toString(), QString("linear"));
        QVERIFY(!repair["sites"].toArray().isEmpty());
        QVERIFY(QFile::exists(plan + ".repair.safetensors"));
        const double with = repair["calibration_ppl"].toObject()["with"].toDouble();
        QVERIFY(std::abs(with - repair["calibration_ppl"].toObject()["without"].toDouble()) > 1e-6);
        const QStringList ppl = {"--text", text, "--seq", "32", "--windows", "4", "--json"};
        const double again = runCli(QStringList{"ppl", demo(), "--plan", plan} + ppl).json()["ppl"].toDouble();
        QVERIFY2(std::abs(again / with - 1) < 1e-6, qPrintable(QString("%1 vs %2").arg(again).arg(with)));
        const QString out = dir.filePath("exported");
        const auto applied = runCli({"apply", demo(), "--plan", plan, "--out", out, "--json"});
        QCOMPARE(applied.exitCode, 0);
        QCOMPARE(applied.json()["repair"].toString(), QString("linear"));
        const double exported = runCli(QStringList{"ppl", out} + ppl).json()["ppl"].toDouble();
        QVERIFY2(std::abs(exported / with - 1) < 1e-5, qPrintable(QString("%1 vs %2").arg(exported).arg(with)));

        verifyBadInput(runCli({"apply", demo(), "--plan", plan, "--out", dir.filePath("x"), "--repair", "rescale"}),
                       "needs --calib TEXT");
        verifyBadInput(runCli({"apply", demo(), "--plan", plan, "--out", dir.filePath("x"), "--repair", "cubic"}),
                       "option --repair: unknown repair 'cubic'");
        verifyBadInput(runCli(QStringList{"prune", demo(), "--method", "shortened-ppl", "--steps", "2", "--out", plan,
                                          "--heldout", text} + calib),
                       "--heldout needs --repair");
        QFile::remove(plan + ".repair.safetensors");
        verifyBadInput(runCli(QStringList{"ppl", demo(), "--plan", plan} + ppl), "plan.json.repair.safetensors: missing");
    }

    // --device cpu is the default; a misspelt or unavailable device, or a method that does not
    // run on one, is bad input named as such.
    // evo through the CLI: one set per ratio, and its score is the divergence `ppl --divergence`
    // computes independently (whole forwards of the pruned and the unpruned model).
    void evoThroughCommands() {
        QTemporaryDir dir;
        const QString text = dir.filePath("story.txt");
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 12; ++i) f.write("Lily found a shiny stone in the garden and showed it to her mom. ");
        f.close();
        const QString plan = dir.filePath("evo.json");
        const QStringList calib = {"--calib", text, "--seq", "32", "--windows", "4"};
        const auto r = runCli(QStringList{"prune", demo(), "--method", "evo", "--ratio", "0.0625,0.125", "--generations", "2",
                                          "--offspring", "3", "--initial", "4", "--out", plan, "--json"} + calib);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray steps = r.json()["steps"].toArray();
        QCOMPARE(steps.size(), 2);
        QCOMPARE(steps[0].toObject()["units"].toArray().size(), 2);
        QCOMPARE(steps[1].toObject()["units"].toArray().size(), 4);
        QCOMPARE(r.json()["plan"].toObject()["operations"].toArray().size(), 4);
        QVERIFY(r.json()["candidate_evaluations"].toDouble() > 0);
        const auto check = runCli({"ppl", demo(), "--plan", plan, "--text", text, "--seq", "32", "--windows", "4",
                                   "--divergence", "js", "--json"});
        QVERIFY2(check.exitCode == 0, check.err.constData());
        const double score = steps[1].toObject()["score"].toDouble(), js = check.json()["divergence"].toDouble();
        QVERIFY2(std::abs(js / score - 1) < 1e-5, qPrintable(QString("%1 vs %2").arg(js).arg(score)));
        QVERIFY(std::abs(check.json()["ppl"].toDouble() / steps[1].toObject()["ppl"].toDouble() - 1) < 1e-6);
        verifyBadInput(runCli(QStringList{"prune", demo(), "--method", "finercut", "--ratio", "0.1,0.2", "--out", plan} + calib),
                       "--ratio takes one value for finercut");
        verifyBadInput(runCli(QStringList{"prune", demo(), "--method", "finercut", "--ratio", "0.1", "--generations", "3",
                                          "--out", plan} + calib),
                       "--generations applies to evo only");
        verifyBadInput(runCli(QStringList{"prune", demo(), "--method", "evo", "--ratio", "0.1,x", "--out", plan} + calib),
                       "--ratio: expected numbers");
        verifyBadInput(runCli(QStringList{"prune", demo(), "--method", "evo", "--ratio", "0.1", "--fitness", "ppl", "--out", plan} + calib),
                       "--fitness: expected divergence or nll");
        verifyBadInput(runCli({"ppl", demo(), "--text", text, "--seq", "32", "--divergence", "js"}), "give --plan");
    }

    void deviceOption() {
        QTemporaryDir dir;
        const QString text = dir.filePath("story.txt");
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 8; ++i) f.write("Once upon a time, there was a little girl named Lily. ");
        f.close();
        const QStringList ppl = {"ppl", demo(), "--text", text, "--seq", "16", "--json"};
        const auto plain = runCli(ppl);
        const auto cpu = runCli(ppl + QStringList{"--device", "cpu"});
        QCOMPARE(cpu.exitCode, 0);
        QCOMPARE(cpu.json()["device"].toString(), QString("cpu"));
        QCOMPARE(cpu.json()["ppl"].toDouble(), plain.json()["ppl"].toDouble());
        verifyBadInput(runCli(ppl + QStringList{"--device", "gpu"}), "expected cpu, cuda or cuda:N");
        verifyBadInput(runCli({"bench", demo(), "--device", "cuda:x"}), "expected cpu, cuda or cuda:N");
        if (!at::hasCUDA()) {
            verifyBadInput(runCli(ppl + QStringList{"--device", "cuda"}), "no CUDA support");
            verifyBadInput(runCli({"bench", demo(), "--device", "cuda"}), "no CUDA support");
        }
        verifyBadInput(runCli({"prune", demo(), "--method", "shortened-ppl", "--device", "cuda", "--seq",
                               "16", "--windows", "2", "--ratio", "0.25", "--out", dir.filePath("p.json")}),
                       "only finercut, sleb and blockpruner run on a device");
    }

    // bench --generate with a two-block plan: every model and batch reported, and the work per
    // decoded token as the demo model's shapes give it (d 256, q 256, kv 128, FFN 688, vocab
    // 32,000; 16 blocks, then 14), at the mean cached context P + N/2.
    void benchGenerate() {
        QTemporaryDir dir;
        const QString plan = dir.filePath("plan.json");
        QCOMPARE(runCli({"prune", demo(), "--method", "shortened-ppl", "--seq", "16", "--windows", "2", "--steps", "2",
                         "--out", plan})
                     .exitCode,
                 0);
        const auto r = runCli({"bench", demo(), "--generate", "--plan", plan, "--batch", "1,2", "--prompt-tokens", "8",
                               "--new-tokens", "4", "--repeat", "1", "--threads", "2", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray runs = r.json()["runs"].toArray();
        QCOMPARE(runs.size(), 4);
        const double context = 8 + 4 / 2.0;
        const auto flops = [&](int blocks) {
            const double attn = 2.0 * (256 * 256 + 2 * 128 * 256 + 256 * 256) + 4.0 * context * 256;
            return blocks * (attn + 2.0 * 3 * 688 * 256) + 2.0 * 32000 * 256;
        };
        for (int i = 0; i < 4; ++i) {
            const QJsonObject run = runs[i].toObject();
            const bool pruned = run["model"].toString() == "plan";
            QCOMPARE(pruned, i % 2 == 1);
            QCOMPARE(run["batch"].toInt(), i < 2 ? 1 : 2);
            QVERIFY(run["decode_tokens_per_second"].toDouble() > 0);
            QCOMPARE(run["decode_flops_per_token"].toDouble(), flops(pruned ? 14 : 16));
            // K and V of every attention block, float32, for the whole sequence per row.
            QCOMPARE(run["kv_cache_bytes"].toInteger(), qint64{2} * (pruned ? 14 : 16) * (i < 2 ? 1 : 2) * 128 * 12 * 4);
            if (pruned) QCOMPARE(run["ideal_decode_speedup_flops"].toDouble(), flops(16) / flops(14));
        }
        // Bytes per decoded token: the step kernel reads float32 weights, also when the bf16
        // checkpoint stays mapped (it converts them once), and float32 keys and values.
        const auto mapped = runCli({"bench", demo(), "--generate", "--batch", "1", "--prompt-tokens", "8",
                                    "--new-tokens", "4", "--repeat", "1", "--weights", "mapped", "--json"});
        QCOMPARE(mapped.exitCode, 0);
        const double weights = 16.0 * (256 * 256 + 2 * 128 * 256 + 256 * 256 + 3 * 688 * 256) + 32000.0 * 256;
        QCOMPARE(mapped.json()["runs"].toArray()[0].toObject()["decode_bytes_per_token"].toDouble(),
                 4 * weights + 16 * 2 * context * 128 * 4);
        verifyBadInput(runCli({"bench", demo(), "--generate", "--batch", "1,0"}), "--batch: 0 is outside [1, 1024]");
        verifyBadInput(runCli({"bench", demo(), "--generate", "--batch", ","}), "expected batch sizes");
    }

    void badInput() {
        verifyBadInput(runCli({"info", "/nonexistent/model"}), "/nonexistent/model");
        verifyBadInput(runCli({"info", demo(), "--frobnicate"}), "unknown option --frobnicate");
        verifyBadInput(runCli({"ppl", demo(), "--text", "x.txt", "--seq", "abc"}),
                       "expected an integer");
        verifyBadInput(runCli({"ppl", demo(), "--seq", "16"}), "--text");
        verifyBadInput(runCli({"frobnicate"}), "unknown command");
        QTemporaryDir dir;
        QFile empty(dir.filePath("empty.txt"));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.close();
        const auto emptyText = runCli({"ppl", demo(), "--text", empty.fileName(), "--seq", "16"});
        verifyBadInput(emptyText, "too few for one window");
        verifyBadInput(emptyText, empty.fileName() + ": text has 0 tokens");
        verifyBadInput(runCli({"info", dir.path()}), "no config.json");
        QFile pickle(dir.filePath("pytorch_model.bin"));
        QVERIFY(pickle.open(QIODevice::WriteOnly));
        pickle.write("PK\x03\x04");
        pickle.close();
        verifyBadInput(runCli({"info", dir.path()}), "pickle");
        QFile cfg(dir.filePath("config.json"));
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write(R"({"model_type": "llama", "vocab_size": 8, "hidden_size": 8,
                      "intermediate_size": 8, "num_hidden_layers": 1,
                      "num_attention_heads": 2})");
        cfg.close();
        verifyBadInput(runCli({"info", dir.path()}), "pickle");
    }

    void help() {
        const auto r = runCli({"--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("ppl"));
        QCOMPARE(runCli({}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliDemo)
#include "test_cli_demo.moc"
