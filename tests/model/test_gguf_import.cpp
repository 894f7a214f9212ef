// GGUF import (model/gguf_loader.h): llama.cpp's own files of the student (../shared/golden/
// gguf) give the reference perplexities of its README; export → import round trips compute
// the in-memory pruned model; hostile files are errors that name the file and the field.

#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/unit_removal.h"
#include "cli_runner.h"
#include "common/error.h"
#include "common/runtime.h"
#include "data/token_windows.h"
#include "eval/perplexity.h"
#include "expect_error.h"
#include "fixtures.h"
#include "model/fingerprint.h"
#include "model/forward.h"
#include "model/gguf_file.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/export.h"
#include "pruning/slm.h"
#include "pruning/unit_set.h"
#include "plan_text.h"
#include "tiny_model.h"
#include "tokenizer/tokenizer_for_model.h"

using namespace lamina;
using lamina::test::sharedDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

PruningPlan makePlan(const Model& m, const fs::path& source, const std::string& ops) {
    return test::planFromText(m, source, ops);
}

// The README's protocol: first 120,000 characters of eval.txt, 40 chunks of 256, BOS
// replacing each chunk's first token, positions 128..254 scored.
TokenWindows replaceWindows(const Tokenizer& tok) {
    std::ifstream in(sharedDir() / "data/tinystories/eval.txt", std::ios::binary);
    std::string text(120000, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    return makeWindows(tok.encode(text, false), 256, BosPolicy::Replace, 1, 40);
}

std::vector<char> readBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path& p, const std::vector<char>& bytes) {
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

class TestGgufImport : public QObject {
    Q_OBJECT

    QTemporaryDir mTmp;
    int mRow = 0;
    fs::path fresh(const std::string& ext = ".gguf") {
        return fs::path(mTmp.path().toStdString()) / ("f" + std::to_string(++mRow) + ext);
    }
    static fs::path student() { return sharedDir() / "models/tinystories-student"; }

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        lamina::configureRuntime(2);
        QVERIFY(mTmp.isValid());
    }

    // The golden README: f16 reproduces the safetensors model (28.96944, float64 reference);
    // q8_0 the dequantized reference (28.91856). Tokens come from the HF tokenizer for both.
    void goldenFilesGiveTheReferencePerplexities_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<double>("reference");
        QTest::newRow("f16") << "student-f16.gguf" << 28.96944;
        QTest::newRow("q8_0") << "student-q8_0.gguf" << 28.91856;
    }
    void goldenFilesGiveTheReferencePerplexities() {
        QFETCH(QString, file);
        QFETCH(double, reference);
        const auto model = loadModel(sharedDir() / "golden/gguf" / file.toStdString());
        QCOMPARE(model->numLayers(), int64_t{16});
        const auto tok = tokenizerForModel(student(), 32000);
        const PerplexityResult r = evaluatePerplexity(*model, replaceWindows(*tok), {}, 8, {}, 128);
        QVERIFY2(std::fabs(r.perplexity / reference - 1) < 1e-4, qPrintable(QString::number(r.perplexity, 'f', 5)));
    }

    // llama.cpp's converter wrote the bf16 weights as f16 (norms f32): the import holds
    // exactly the safetensors model's weights rounded to f16 (a few tiny values fall into
    // f16's subnormal range), in Hugging Face's row order.
    void f16ImportHoldsTheSafetensorsWeights() {
        LoadOptions converted;
        converted.weights = WeightResidence::Converted;
        const auto gguf = loadModel(sharedDir() / "golden/gguf/student-f16.gguf", converted);
        const auto hf = loadModel(student(), converted);
        auto same = [](const at::Tensor& got, const at::Tensor& source) {
            const at::Tensor expected = source.dim() == 1 ? source : source.to(at::kHalf).to(at::kFloat);
            return at::equal(got, expected);
        };
        QVERIFY(same(gguf->embed, hf->embed));
        QVERIFY(same(gguf->finalNorm, hf->finalNorm));
        for (std::size_t i = 0; i < hf->blocks.size(); ++i) {
            const BlockWeights &g = gguf->blocks[i], &h = hf->blocks[i];
            for (const auto& [x, y] : {std::pair{g.attn.norm, h.attn.norm}, {g.attn.wq, h.attn.wq},
                                       {g.attn.wk, h.attn.wk}, {g.attn.wv, h.attn.wv},
                                       {g.attn.wo, h.attn.wo}, {g.mlp.norm, h.mlp.norm},
                                       {g.mlp.gate, h.mlp.gate}, {g.mlp.up, h.mlp.up},
                                       {g.mlp.down, h.mlp.down}}) {
                QVERIFY2(same(x, y), qPrintable(QString("block %1").arg(i)));
            }
        }
    }

    // The file's own vocabulary (llama, scores = −id) tokenizes like the HF tokenizer.
    void ggufVocabularyTokenizesLikeTheHfTokenizer() {
        const auto fromGguf = tokenizerForModel(sharedDir() / "golden/gguf/student-f16.gguf", 32000);
        const auto hf = tokenizerForModel(student(), 32000);
        std::ifstream in(sharedDir() / "data/tinystories/eval.txt", std::ios::binary);
        std::string text(60000, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        QCOMPARE(fromGguf->encode(text, true), hf->encode(text, true));
        QCOMPARE(fromGguf->bosId(), std::optional<TokenId>(1));
    }

    void roundTripComputesThePlan_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("ops");
        QTest::newRow("student sublayers") << "tinystories-student" << "a0 m3 a5 m5 b9";
        QTest::newRow("student blocks") << "tinystories-student" << "b4 b5 b8 b10";
        QTest::newRow("stories260K") << "stories260K" << "a1 b3";
        QTest::newRow("llama3 rope") << "tiny-llama3-untied" << "m1";
        QTest::newRow("qwen2 blocks") << "tiny-qwen2-bias" << "b1";
        QTest::newRow("qwen2 sublayers") << "tiny-qwen2-bias" << "a1 m2";
        QTest::newRow("mistral head_dim") << "tiny-mistral-headdim" << "m0 a2";
    }
    void roundTripComputesThePlan() {
        QFETCH(QString, model);
        QFETCH(QString, ops);
        const fs::path source = sharedDir() / "models" / model.toStdString();
        const auto original = loadModel(source);
        const PruningPlan plan = makePlan(*original, source, ops.toStdString());
        const auto inMemory = applyPlan(*original, plan);
        const TokenWindows w = test::randomWindows(4, 32, original->config.vocabSize);
        const double expected = evaluatePerplexity(*inMemory, w).meanNll;
        const fs::path f32 = fresh(), q8 = fresh();
        exportPrunedModel(*original, plan, source, f32, ExportFormat::Gguf, {}, GgufTensorType::F32);
        const double got = evaluatePerplexity(*loadModel(f32), w).meanNll;
        QVERIFY2(std::fabs(got - expected) <= 1e-5 * std::fabs(expected),
                 qPrintable(QString("%1 vs %2").arg(got, 0, 'g', 10).arg(expected, 0, 'g', 10)));
        if (original->config.hiddenSize % 32 == 0) {
            exportPrunedModel(*original, plan, source, q8, ExportFormat::Gguf, {}, GgufTensorType::Q8_0);
            const double quantized = evaluatePerplexity(*loadModel(q8), w).meanNll;
            qInfo("%s %s: NLL f32 %.6f, q8_0 %.6f (PPL %+.3f %%)", qPrintable(model), qPrintable(ops),
                  expected, quantized, 100 * (std::exp(quantized - expected) - 1));
            QVERIFY(std::fabs(quantized - expected) < 0.05 * std::fabs(expected));
        }
    }

    // Every truncation, and targeted corruptions of counts, lengths, types and offsets, is an
    // Error naming the file; the loader never crashes or allocates what the file cannot hold.
    void hostileFilesAreErrors() {
        const fs::path source = sharedDir() / "models/stories260K";
        const auto original = loadModel(source);
        const fs::path good = fresh();
        exportPrunedModel(*original, makePlan(*original, source, "b1"), source, good, ExportFormat::Gguf);
        const std::vector<char> bytes = readBytes(good);
        const auto file = GgufFile::open(good);
        const uint64_t headerEnd = file->tensors().front().offset;
        auto expectBroken = [&](std::vector<char> b, const std::string& what) {
            const fs::path bad = fresh();
            writeBytes(bad, b);
            try {
                loadModel(bad);
                QFAIL(qPrintable(QString::fromStdString("loaded a broken file: " + what)));
            } catch (const Error& e) {
                QVERIFY2(std::string(e.what()).find(bad.string()) != std::string::npos, e.what());
            }
        };
        for (uint64_t cut : {uint64_t{3}, uint64_t{20}, uint64_t{100}, headerEnd / 3, headerEnd - 1,
                             headerEnd + 10, static_cast<uint64_t>(bytes.size()) - 1}) {
            expectBroken({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut)},
                         "cut at " + std::to_string(cut));
        }
        auto patched = [&](std::size_t at, uint64_t value, std::size_t width) {
            std::vector<char> b = bytes;
            std::memcpy(b.data() + at, &value, width);
            return b;
        };
        expectBroken(patched(4, 1, 4), "version 1");
        expectBroken(patched(8, uint64_t{1} << 60, 8), "huge tensor count");
        expectBroken(patched(16, uint64_t{1} << 60, 8), "huge metadata count");
        expectBroken(patched(24, uint64_t{1} << 62, 8), "first key's length past the end");
        // The first tensor info's type and offset (tensor names occur only in the directory).
        const std::string name = file->tensors().front().name;
        const std::string hay(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(headerEnd));
        const std::size_t info = hay.find(name);
        QVERIFY(info != std::string::npos);
        const std::size_t typeAt = info + name.size() + 4 + 8 * file->tensors().front().shape.size();
        expectBroken(patched(typeAt, 99, 4), "unknown tensor type");
        expectBroken(patched(typeAt + 4, uint64_t{1} << 40, 8), "offset out of range");
        expectBroken(patched(typeAt + 4, 3, 8), "unaligned offset");
    }

    // A pruned import lacks sublayers: removing one of those changes nothing, the FFN of a
    // block without attention is scored from that block's input, and pruning methods do not
    // offer the absent ones (both scoring paths; compared with a direct evaluation).
    void analysisOfAPrunedImport() {
        const fs::path source = student();
        const auto original = loadModel(source);
        const fs::path out = fresh();
        exportPrunedModel(*original, makePlan(*original, source, "a3 m5 b9"), source, out,
                          ExportFormat::Gguf, {}, GgufTensorType::F32);
        const auto model = loadModel(out);
        QCOMPARE(model->numLayers(), int64_t{15});
        QVERIFY(!model->blocks[3].hasAttention() && !model->blocks[5].hasMlp());
        const TokenWindows w = test::randomWindows(2, 24, 32000);
        const std::vector<Unit> units = {{Unit::Kind::Attn, 3}, {Unit::Kind::Mlp, 5},
                                         {Unit::Kind::Mlp, 3}, {Unit::Kind::Block, 3}};
        for (const bool layered : {false, true}) {
            RemovalOptions options;
            options.layerByLayer = layered;
            const UnitRemovalScores r = scoreUnitRemovals(*model, w, units, options);
            QCOMPARE(r.perplexity[0], r.basePerplexity);
            QCOMPARE(r.perplexity[1], r.basePerplexity);
            for (std::size_t k = 2; k < units.size(); ++k) {
                Ablation a;
                a.remove(units[k]);
                const double direct = evaluatePerplexity(*model, w, a).perplexity;
                QVERIFY2(std::fabs(r.perplexity[k] / direct - 1) < 1e-5,
                         qPrintable(QString("%1: %2 vs %3").arg(QString::fromStdString(units[k].label()))
                                        .arg(r.perplexity[k]).arg(direct)));
            }
        }
        const std::vector<Unit> candidates = candidateUnits(UnitSet::Sublayer, model->config);
        QCOMPARE(candidates.size(), std::size_t{28});
        for (const Unit& u : candidates) QVERIFY(u.label() != "attn.3" && u.label() != "mlp.5");

        // Sliding Layer Merging (the GUI's merge sweep) never merges across a partial block:
        // in [3, 9] only blocks 6..9 can fuse, which they all do at threshold −1.
        SlmOptions slm;
        slm.lowest = 3;
        slm.highest = 9;
        const std::vector<SlmSweepEntry> sweep = sweepSlm(*model, w, slm);
        QVERIFY(!sweep.empty());
        for (const SlmSweepEntry& e : sweep) {
            for (const SlmMerge& m : e.merges) QVERIFY(m.first >= 6 && m.last <= 9);
        }
        QCOMPARE(sweep.back().merges.size(), std::size_t{1});
        QCOMPARE(sweep.back().merges[0].first, int64_t{6});
        QCOMPARE(sweep.back().merges[0].last, int64_t{9});
        slm.threshold = -1;
        const SlmResult run = runSlm(*model, w, slm);
        QCOMPARE(run.merges.size(), std::size_t{1});
        QCOMPARE(run.merges[0].first, int64_t{6});
        QCOMPARE(run.merges[0].last, int64_t{9});
    }

    void cliInfoAndPplReadGguf() {
        const QString f16 = test::shared("golden/gguf/student-f16.gguf");
        auto r = test::runCli({"info", f16, "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json()["format"].toString(), QString("gguf"));
        QCOMPARE(r.json()["layers"].toInt(), 16);
        // A file without one of the tensors its metadata needs: `info` names it (exit 2).
        const auto file = GgufFile::open(test::sharedDir() / "golden/gguf/student-f16.gguf");
        std::vector<char> bytes = readBytes(file->path());
        const std::string hay(bytes.begin(), bytes.begin() + 800000);
        const std::size_t at = hay.find("blk.3.ffn_up.weight");
        QVERIFY(at != std::string::npos);
        bytes[at + 4] = 'X';  // "blk.X.ffn_up.weight"
        const fs::path broken = fresh();
        writeBytes(broken, bytes);
        r = test::runCli({"info", QString::fromStdString(broken.string())});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("blk.3.ffn_up.weight") && r.err.contains("missing"), r.err.constData());
        r = test::runCli({"ppl", f16, "--text", test::shared("data/tinystories/eval.txt"), "--seq", "64",
                          "--windows", "2", "--json"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.json()["ppl"].toDouble() > 1);
    }
};

QTEST_GUILESS_MAIN(TestGgufImport)
#include "test_gguf_import.moc"
