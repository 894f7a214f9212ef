// GGUF export (pruning/export.h, format gguf): every file is read back with a reader written
// from the specification (gguf_spec_reader.h, no code shared with the writer); the unpruned
// student equals llama.cpp's own converter's output (../shared/golden/gguf) tensor for tensor,
// byte for byte; pruned exports hold exactly the in-memory pruned model's weights, with the
// RoPE row order, per-block arrays and stand-in tensors llama.cpp's loaders expect.

#include <QtTest/QtTest>

#include <c10/util/Half.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_runner.h"
#include "common/error.h"
#include "common/runtime.h"
#include "data/token_windows.h"
#include "eval/perplexity.h"
#include "expect_error.h"
#include "fixtures.h"
#include "gguf_spec_reader.h"
#include "plan_text.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/export.h"
#include "tokenizer/tokenizer_for_model.h"

using namespace lamina;
using lamina::test::GgufSpecFile;
using lamina::test::GgufSpecTensor;
using lamina::test::sharedDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

PruningPlan makePlan(const Model& m, const fs::path& source, const std::string& ops) {
    return test::planFromText(m, source, ops);
}

// The tensor as float32 in torch's row-major shape, decoded the way the spec defines f32.
at::Tensor readF32(const GgufSpecFile& f, const GgufSpecTensor& t) {
    std::vector<int64_t> shape(t.dims.rbegin(), t.dims.rend());
    at::Tensor out = at::empty(shape, at::TensorOptions().dtype(at::kFloat));
    std::memcpy(out.data_ptr(), f.data(t), t.bytes);
    return out;
}

// ggml's interleaved RoPE rows back to Hugging Face's rotate-half order: ggml row
// h·hd + 2i + k holds HF row h·hd + k·hd/2 + i.
at::Tensor deinterleave(const at::Tensor& w, int64_t headDim) {
    at::Tensor out = at::empty_like(w);
    for (int64_t r = 0; r < w.size(0); ++r) {
        const int64_t h = r / headDim, j = r % headDim;
        out[h * headDim + (j % 2) * (headDim / 2) + j / 2] = w[r];
    }
    return out;
}

void expectSame(const GgufSpecFile& f, const std::string& name, const at::Tensor& expected,
                int64_t ropeHeadDim = 0) {
    const GgufSpecTensor& t = f.tensor(name);
    QCOMPARE(t.type, 0u);
    at::Tensor got = readF32(f, t);
    if (ropeHeadDim > 0) got = deinterleave(got, ropeHeadDim);
    QVERIFY2(at::equal(got, expected.to(at::kFloat)), name.c_str());
}

bool isConstant(const GgufSpecFile& f, const std::string& name, float value) {
    const at::Tensor t = readF32(f, f.tensor(name));
    return at::equal(t, at::full_like(t, value));
}

std::vector<double> numbers(const GgufSpecFile& f, const std::string& key) {
    return f.values.at(key).numbers;
}

// The student's llama.cpp perplexity protocol (../shared/golden/gguf/README.md): the first
// 120,000 characters of eval.txt, 40 chunks of 256 with BOS replacing the first token, the
// second half of each chunk counted; the float32 reference's perplexity is 28.96945.
constexpr double kGoldenReplacePpl = 28.96945;

}  // namespace

class TestGgufExport : public QObject {
    Q_OBJECT

    QTemporaryDir mTmp;
    int mRow = 0;

    fs::path freshOut() { return fs::path(mTmp.path().toStdString()) / ("m" + std::to_string(++mRow) + ".gguf"); }

    static fs::path resolve(const QString& name) { return test::fixtureModel(name.toStdString()); }

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        lamina::configureRuntime(2);
        QVERIFY(mTmp.isValid());
    }

    // llama.cpp's gguf-py wrote the golden files from the same checkpoint: our export must
    // agree on every tensor's name, shape, type and bytes (f16 exact; q8_0 by ggml's reference
    // rounding) and on every metadata value but the model's name.
    void unprunedStudentEqualsLlamaCppsConverter_data() {
        QTest::addColumn<QString>("type");
        QTest::newRow("f16") << "f16";
        QTest::newRow("q8_0") << "q8_0";
    }
    void unprunedStudentEqualsLlamaCppsConverter() {
        QFETCH(QString, type);
        const fs::path source = sharedDir() / "models/tinystories-student";
        const auto model = loadModel(source);
        const fs::path out = freshOut();
        exportPrunedModel(*model, makePlan(*model, source, ""), source, out, ExportFormat::Gguf,
                          {}, parseGgufTensorType(type.toStdString(), "type"));
        const GgufSpecFile ours(out);
        const GgufSpecFile golden(sharedDir() / ("golden/gguf/student-" + type.toStdString() + ".gguf"));
        QCOMPARE(ours.tensors.size(), golden.tensors.size());
        for (const GgufSpecTensor& g : golden.tensors) {
            const GgufSpecTensor& t = ours.tensor(g.name);
            QVERIFY2(t.dims == g.dims && t.type == g.type, g.name.c_str());
            QVERIFY2(ours.bytesOf(t) == golden.bytesOf(g), g.name.c_str());
        }
        for (const std::string& key : golden.keys) {
            if (key == "general.name") continue;
            const auto& a = ours.values.at(key);
            const auto& b = golden.values.at(key);
            QVERIFY2(a.type == b.type && a.elementType == b.elementType && a.text == b.text &&
                         a.number == b.number && a.texts == b.texts && a.numbers == b.numbers,
                     key.c_str());
        }
    }

    void prunedTensorsAreThePlansWeights_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("ops");
        QTest::addColumn<QString>("arch");
        QTest::newRow("student sublayers, block 0 without attention")
            << "tinystories-student" << "a0 m3 a5 m5 b9 m15" << "deci";
        QTest::newRow("student blocks") << "tinystories-student" << "b5 b10" << "llama";
        QTest::newRow("stories260K blocks") << "stories260K" << "b2" << "llama";
        QTest::newRow("stories260K llama2c") << "stories260K.bin" << "a1 m3" << "deci";
        QTest::newRow("llama3 rope") << "tiny-llama3-untied" << "m1" << "deci";
        QTest::newRow("qwen2 blocks") << "tiny-qwen2-bias" << "b1" << "qwen2";
        QTest::newRow("qwen2 sublayers") << "tiny-qwen2-bias" << "a1" << "deci";
        QTest::newRow("mistral head_dim") << "tiny-mistral-headdim" << "b1" << "llama";
        QTest::newRow("mistral sublayers") << "tiny-mistral-headdim" << "m0 a2" << "deci";
    }
    void prunedTensorsAreThePlansWeights() {
        QFETCH(QString, model);
        QFETCH(QString, ops);
        QFETCH(QString, arch);
        const fs::path source = resolve(model);
        const auto original = loadModel(source);
        const PruningPlan plan = makePlan(*original, source, ops.toStdString());
        const auto pruned = applyPlan(*original, plan);
        const fs::path out = freshOut();
        exportPrunedModel(*original, plan, source, out, ExportFormat::Gguf, {}, GgufTensorType::F32);
        const GgufSpecFile f(out);
        const ModelConfig& c = original->config;
        QCOMPARE(f.values.at("general.architecture").text, arch.toStdString());
        const std::string a = arch.toStdString() + ".";
        const int64_t rope = arch == "qwen2" ? 0 : c.headDim;  // qwen2: NeoX order, unpermuted

        expectSame(f, "token_embd.weight", pruned->embed);
        expectSame(f, "output_norm.weight", pruned->finalNorm);
        QCOMPARE(f.hasTensor("output.weight"), !c.tieWordEmbeddings);
        if (!c.tieWordEmbeddings) expectSame(f, "output.weight", pruned->lmHead);

        std::vector<double> heads, kvHeads, widths;
        int64_t i = 0;
        for (const BlockWeights& b : pruned->blocks) {
            if (!b.hasAttention() && !b.hasMlp()) continue;  // not written
            const std::string p = "blk." + std::to_string(i) + ".";
            if (b.hasAttention()) {
                expectSame(f, p + "attn_norm.weight", b.attn.norm);
                expectSame(f, p + "attn_q.weight", b.attn.wq, rope);
                expectSame(f, p + "attn_k.weight", b.attn.wk, rope);
                expectSame(f, p + "attn_v.weight", b.attn.wv);
                expectSame(f, p + "attn_output.weight", b.attn.wo);
                QCOMPARE(f.hasTensor(p + "attn_q.bias"), b.attn.bq.defined());
                heads.push_back(static_cast<double>(c.numHeads));
                kvHeads.push_back(static_cast<double>(c.numKvHeads));
            } else if (i == 0) {  // llama.cpp takes the head size from block 0's head count
                QVERIFY(isConstant(f, p + "attn_norm.weight", 1.0F));
                QVERIFY(isConstant(f, p + "attn_output.weight", 0.0F));
                QVERIFY(!f.hasTensor(p + "attn_q.weight"));
                heads.push_back(static_cast<double>(c.numHeads));
                kvHeads.push_back(0);
            } else {
                QVERIFY(!f.hasTensor(p + "attn_norm.weight"));
                heads.push_back(0);
                kvHeads.push_back(0);
            }
            if (b.hasMlp()) {
                expectSame(f, p + "ffn_norm.weight", b.mlp.norm);
                expectSame(f, p + "ffn_gate.weight", b.mlp.gate);
                expectSame(f, p + "ffn_up.weight", b.mlp.up);
                expectSame(f, p + "ffn_down.weight", b.mlp.down);
                widths.push_back(static_cast<double>(b.mlp.gate.size(0)));
            } else {  // an FFN that computes exactly zero
                QVERIFY(isConstant(f, p + "ffn_down.weight", 0.0F));
                QCOMPARE(f.tensor(p + "ffn_down.weight").dims[0], uint64_t{32});
                widths.push_back(32);
            }
            ++i;
        }
        QCOMPARE(f.values.at(a + "block_count").number, static_cast<double>(i));
        QVERIFY(!f.hasTensor("blk." + std::to_string(i) + ".ffn_norm.weight"));
        if (arch == "deci") {
            QCOMPARE(numbers(f, a + "attention.head_count"), heads);
            QCOMPARE(numbers(f, a + "attention.head_count_kv"), kvHeads);
            QCOMPARE(numbers(f, a + "feed_forward_length"), widths);
            QCOMPARE(f.values.at(a + "attention.head_count").elementType, 5u);  // int32
        } else {
            QCOMPARE(f.values.at(a + "attention.head_count").number, static_cast<double>(c.numHeads));
            QCOMPARE(f.values.at(a + "feed_forward_length").number,
                     static_cast<double>(c.intermediateSize));
        }
        QCOMPARE(f.values.at(a + "rope.dimension_count").number, static_cast<double>(c.headDim));
        QCOMPARE(f.values.count(a + "attention.key_length") == 1, c.headDim * c.numHeads != c.hiddenSize);
        QCOMPARE(static_cast<float>(f.values.at(a + "rope.freq_base").number), static_cast<float>(c.ropeTheta));
        QCOMPARE(f.hasTensor("rope_freqs.weight"), c.ropeScaling.type == RopeScaling::Type::Llama3);
    }

    // Biases keep their shape (a vector) and, where RoPE is interleaved, their row order.
    void qwenBiasesFollowTheirRows() {
        const fs::path source = resolve("tiny-qwen2-bias");
        const auto original = loadModel(source);
        for (const std::string ops : {"b1", "a1"}) {
            const PruningPlan plan = makePlan(*original, source, ops);
            const auto pruned = applyPlan(*original, plan);
            const fs::path out = freshOut();
            exportPrunedModel(*original, plan, source, out, ExportFormat::Gguf, {}, GgufTensorType::F32);
            const GgufSpecFile f(out);
            const int64_t hd = ops == "a1" ? original->config.headDim : 0;  // deci interleaves
            const BlockWeights& b = pruned->blocks[0];
            const GgufSpecTensor& t = f.tensor("blk.0.attn_k.bias");
            QCOMPARE(t.dims.size(), std::size_t{1});
            const at::Tensor k = readF32(f, t).unsqueeze(1);
            QVERIFY(at::equal(hd > 0 ? deinterleave(k, hd) : k, b.attn.bk.unsqueeze(1).to(at::kFloat)));
        }
    }

    // llama.cpp divides each RoPE frequency by rope_freqs; its converter computes the factors
    // from rope_scaling as below (convert_hf_to_gguf.py, LlamaModel, rope_type llama3).
    void llama3RopeFactorsFollowTheConverter() {
        const fs::path source = resolve("tiny-llama3-untied");
        const auto original = loadModel(source);
        const fs::path out = freshOut();
        exportPrunedModel(*original, makePlan(*original, source, "b1"), source, out,
                          ExportFormat::Gguf, {}, GgufTensorType::F32);
        const GgufSpecFile f(out);
        const at::Tensor got = readF32(f, f.tensor("rope_freqs.weight"));
        const ModelConfig& c = original->config;
        const double factor = 8.0, low = 1.0, high = 4.0, old = 64.0;  // the fixture's config.json
        QCOMPARE(got.numel(), c.headDim / 2);
        for (int64_t j = 0; j < c.headDim / 2; ++j) {
            const float freq = 1.0F / std::pow(static_cast<float>(c.ropeTheta),
                                               static_cast<float>(2 * j) / static_cast<float>(c.headDim));
            const double wavelen = 2 * M_PI / freq;
            double expected = 1;
            if (wavelen > old / low) {
                expected = factor;
            } else if (wavelen >= old / high) {
                const double smooth = (old / wavelen - low) / (high - low);
                expected = 1 / ((1 - smooth) / factor + smooth);
            }
            QVERIFY2(std::fabs(got[j].item<float>() - expected) <= 1e-5 * expected,
                     qPrintable(QString("factor %1: %2 vs %3").arg(j).arg(got[j].item<float>()).arg(expected)));
        }
    }

    // q8_0 per the spec: blocks of an f16 scale d and 32 int8; d = max|x| / 127 and every value
    // within half a step of the f32 export's. Rows of 688 (the student's FFN down) stay f16.
    void q8BlocksHoldTheWeights() {
        const fs::path source = sharedDir() / "models/tinystories-student";
        const auto model = loadModel(source);
        const PruningPlan plan = makePlan(*model, source, "b3 m7");
        const fs::path q8 = freshOut(), f32 = freshOut();
        exportPrunedModel(*model, plan, source, q8, ExportFormat::Gguf, {}, GgufTensorType::Q8_0);
        exportPrunedModel(*model, plan, source, f32, ExportFormat::Gguf, {}, GgufTensorType::F32);
        const GgufSpecFile fq(q8), ff(f32);
        QCOMPARE(fq.values.at("general.file_type").number, 7.0);
        QCOMPARE(fq.tensor("blk.0.ffn_down.weight").type, 1u);
        QCOMPARE(fq.tensor("blk.0.attn_norm.weight").type, 0u);
        int checked = 0;
        for (const GgufSpecTensor& t : fq.tensors) {
            if (t.type != 8) continue;
            const at::Tensor x = readF32(ff, ff.tensor(t.name)).reshape({-1, 32});
            const uint8_t* p = fq.data(t);
            for (int64_t b = 0; b < x.size(0); ++b, p += 34) {
                uint16_t bits;
                std::memcpy(&bits, p, 2);
                const float d = static_cast<float>(c10::Half(bits, c10::Half::from_bits()));
                const float amax = x[b].abs().max().item<float>();
                QCOMPARE(d, static_cast<float>(c10::Half(amax / 127.0F)));
                for (int j = 0; j < 32; ++j) {
                    const float v = d * static_cast<float>(static_cast<int8_t>(p[2 + j]));
                    // half a step of the f16 scale, plus the scale's own rounding (≤ 2^-11 relative)
                    QVERIFY(std::fabs(v - x[b][j].item<float>()) <= 0.5F * d + amax * 1e-3F);
                }
            }
            ++checked;
        }
        QVERIFY(checked > 50);
    }

    void refusesToOverwriteAndCleansUpOnCancel() {
        const fs::path source = resolve("stories260K");
        const auto model = loadModel(source);
        const PruningPlan plan = makePlan(*model, source, "b1");
        const fs::path out = freshOut();
        exportPrunedModel(*model, plan, source, out, ExportFormat::Gguf);
        const auto size = fs::file_size(out);
        test::expectError([&] { exportPrunedModel(*model, plan, source, out, ExportFormat::Gguf); },
                          {out.string(), "refusing to overwrite"});
        QCOMPARE(fs::file_size(out), size);
        const fs::path cancelled = freshOut();
        QVERIFY_THROWS_EXCEPTION(Cancelled, exportPrunedModel(*model, plan, source, cancelled, ExportFormat::Gguf,
                                                              [](int64_t done, int64_t) { return done < 3; }));
        QVERIFY(!fs::exists(cancelled));
        for (const auto& e : fs::directory_iterator(cancelled.parent_path())) {
            QVERIFY2(e.path().filename().string().find(".tmp") == std::string::npos, e.path().c_str());
        }
    }

    void cliWritesGgufAndRejectsBadTypes() {
        const fs::path source = resolve("stories260K");
        const auto model = loadModel(source);
        const fs::path plan = fs::path(mTmp.path().toStdString()) / "plan.json";
        writePlan(plan, makePlan(*model, source, "b2 a0"));
        const QString out = QString::fromStdString(freshOut().string());
        const QString src = QString::fromStdString(source.string());
        auto r = test::runCli({"apply", src, "--plan", QString::fromStdString(plan.string()), "--out", out,
                               "--format", "gguf", "--gguf-type", "q8_1"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--gguf-type 'q8_1'") && r.err.contains("q8_0"), r.err.constData());
        r = test::runCli({"apply", src, "--plan", QString::fromStdString(plan.string()), "--out", out,
                          "--gguf-type", "f16"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--format gguf"), r.err.constData());
        r = test::runCli({"apply", src, "--plan", QString::fromStdString(plan.string()), "--out", out,
                          "--format", "gguf", "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json()["layers"].toInt(), 4);  // 5 blocks, one dropped; a0 keeps block 0's FFN
        const GgufSpecFile f(out.toStdString());
        QCOMPARE(f.values.at("general.architecture").text, std::string("deci"));
    }

    // llama2.c's tokenizer.bin becomes a SentencePiece-style vocabulary with its scores.
    void llama2cVocabulary() {
        const fs::path source = resolve("stories260K.bin");
        const auto model = loadModel(source);
        const fs::path out = freshOut();
        exportPrunedModel(*model, makePlan(*model, source, "b1"), source, out, ExportFormat::Gguf);
        const GgufSpecFile f(out);
        QCOMPARE(f.values.at("tokenizer.ggml.model").text, std::string("llama"));
        const auto& tokens = f.values.at("tokenizer.ggml.tokens").texts;
        QCOMPARE(tokens.size(), std::size_t{512});
        QCOMPARE(tokens[1], std::string("<s>"));
        QCOMPARE(tokens[3], std::string("<0x00>"));
        QCOMPARE(tokens[261], std::string("\xE2\x96\x81" "a"));  // " a" in tok512.bin
        QCOMPARE(f.values.at("tokenizer.ggml.scores").numbers[261], -2.0);
        QCOMPARE(f.values.at("tokenizer.ggml.token_type").numbers[3], 6.0);  // byte
        QCOMPARE(f.values.at("tokenizer.ggml.add_bos_token").number, 1.0);
        QCOMPARE(f.values.at("general.file_type").number, 0.0);  // llama2.c stores float32
    }

    // `lamina-cli ppl --bos replace --score-from 128` is llama-perplexity's protocol, so an
    // exported model's llama.cpp number can be compared with Lamina's.
    void llamaCppPerplexityProtocol() {
        const fs::path source = sharedDir() / "models/tinystories-student";
        const auto model = loadModel(source);
        const auto tok = tokenizerForModel(source, model->config.vocabSize);
        std::ifstream in(sharedDir() / "data/tinystories/eval.txt", std::ios::binary);
        std::string text(120000, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        const TokenWindows w = makeWindows(tok->encode(text, false), 256, BosPolicy::Replace, 1, 40);
        QCOMPARE(w.numWindows, int64_t{40});
        for (int64_t i = 0; i < 40; ++i) QCOMPARE(w.ids[static_cast<std::size_t>(i * 256)], 1);
        const PerplexityResult r = evaluatePerplexity(*model, w, {}, 8, {}, 128);
        QCOMPARE(r.tokens, int64_t{40 * 127});
        QVERIFY2(std::fabs(r.perplexity / kGoldenReplacePpl - 1) < 1e-4,
                 qPrintable(QString::number(r.perplexity, 'f', 5)));
    }
};

QTEST_GUILESS_MAIN(TestGgufExport)
#include "test_gguf_export.moc"
