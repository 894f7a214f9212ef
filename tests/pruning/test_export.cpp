// Export of pruned models (pruning/export.h): the written directory, reloaded, computes the
// in-memory pruned model's logits exactly, in both formats, with the config fields and
// tensors that transformers, vLLM and llama.cpp read.

#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_runner.h"
#include "common/error.h"
#include "common/json_field.h"
#include "common/runtime.h"
#include "expect_error.h"
#include "fixtures.h"
#include "golden.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/families/nemotron_nas.h"
#include "model/fingerprint.h"
#include "model/forward.h"
#include "model/model.h"
#include "model/model_summary.h"
#include "pruning/apply_plan.h"
#include "pruning/export.h"
#include "pruning/export_options.h"
#include "pruning/export_tensors.h"
#include "plan_text.h"
#include "tiny_model.h"

using namespace lamina;
using lamina::test::expectError;
using lamina::test::maxAbsDiff;
using lamina::test::sharedDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A tiny checkpoint whose FFN width (256) DeciLM's ffn_mult can express (none of the shared
// fixtures' can). `qwen2`: q/k/v biases and no o bias, like Qwen2.
void writeDeciCompatibleModel(const fs::path& dir, bool qwen2) {
    test::TinySpec s;
    s.vocab = 64;
    s.hidden = 32;
    s.ff = 256;
    s.layers = 5;
    s.heads = 4;
    s.kvHeads = 2;
    s.tied = qwen2;
    s.modelType = qwen2 ? "qwen2" : "llama";
    json cfg = test::tinyConfig(s);
    if (qwen2) cfg["architectures"] = {"Qwen2ForCausalLM"};
    auto weights = test::tinyWeights(s, 11);
    if (qwen2) {
        const int64_t hd = s.hidden / s.heads;
        for (int64_t i = 0; i < s.layers; ++i) {
            const std::string p = "model.layers." + std::to_string(i) + ".self_attn.";
            weights.emplace_back(p + "q_proj.bias", at::randn({s.heads * hd}) * 0.1);
            weights.emplace_back(p + "k_proj.bias", at::randn({s.kvHeads * hd}) * 0.1);
            weights.emplace_back(p + "v_proj.bias", at::randn({s.kvHeads * hd}) * 0.1);
        }
    }
    fs::create_directories(dir);
    test::writeJson(dir / "config.json", cfg);
    writeSafetensors(dir / "model.safetensors", weights);
    std::ofstream(dir / "tokenizer_config.json") << "{\"model_max_length\": 128}\n";
}

PruningPlan makePlan(const Model& m, const fs::path& source, const std::string& ops) {
    return test::planFromText(m, source, ops);
}

at::Tensor logits(const Model& m) {
    at::manual_seed(5);
    const at::Tensor ids = at::randint(0, m.config.vocabSize, {2, 12}, at::kLong);
    return forwardLogits(m, ids);
}

json readJson(const fs::path& path) { return readJsonFile(path); }

bool allZero(const at::Tensor& t) { return t.defined() && at::count_nonzero(t).item<int64_t>() == 0; }

}  // namespace

class TestExport : public QObject {
    Q_OBJECT

    QTemporaryDir mTmp;
    fs::path mDeci, mDeciQwen;
    int mRow = 0;

    fs::path tmp() const { return mTmp.path().toStdString(); }
    fs::path freshOut() { return tmp() / ("out" + std::to_string(++mRow)); }

    fs::path resolve(const QString& name) const {
        if (name == "deci-llama") return mDeci;
        if (name == "deci-qwen2") return mDeciQwen;
        return test::fixtureModel(name.toStdString());
    }

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        lamina::configureRuntime(2);
        QVERIFY(mTmp.isValid());
        mDeci = tmp() / "deci-llama";
        mDeciQwen = tmp() / "deci-qwen2";
        writeDeciCompatibleModel(mDeci, false);
        writeDeciCompatibleModel(mDeciQwen, true);
    }

    void parsesFormats() {
        QVERIFY(parseExportFormat("hf") == ExportFormat::Hf);
        QVERIFY(parseExportFormat("decilm") == ExportFormat::DeciLm);
        QVERIFY(parseExportFormat("gguf") == ExportFormat::Gguf);
        expectError([] { parseExportFormat("onnx"); }, {"onnx", "hf, decilm or gguf"});
    }

    // The ffn_mult written for a width maps back to it the way vLLM / llama.cpp compute it.
    void ffnMultRoundTrips() {
        QCOMPARE(ffnMultToIntermediateSize(2.625, 8192), int64_t{14336});  // Nemotron-49B block
        QCOMPARE(ffnMultToIntermediateSize(1.3125, 256), int64_t{256});    // vLLM's test config
        for (int64_t hidden : {32, 256, 896, 2048, 3584, 4096, 5120, 8192, 16384}) {
            for (int64_t ff = 256; ff <= 8 * hidden; ff += 256) {
                const auto mult = intermediateSizeToFfnMult(ff, hidden);
                QVERIFY2(mult.has_value(), qPrintable(QString("%1/%2").arg(ff).arg(hidden)));
                QCOMPARE(ffnMultToIntermediateSize(*mult, hidden), ff);
                QCOMPARE(std::round(*mult * 1e6) / 1e6, *mult);  // survives round(x, 6)
            }
        }
        QVERIFY(!intermediateSizeToFfnMult(688, 256));  // the student's width
        QVERIFY(!intermediateSizeToFfnMult(172, 64));
    }

    void roundTrip_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("ops");
        QTest::addColumn<bool>("plainPlanExact");  // also equals applyPlan (no rounding)
        QTest::newRow("stories-blocks") << "stories260K" << "hf" << "b1 b3" << true;
        QTest::newRow("stories-sublayers") << "stories260K" << "hf" << "a0 m2 a4 m4" << true;
        QTest::newRow("stories-rdsc") << "stories260K" << "hf" << "rdsc:1-3" << true;
        QTest::newRow("stories-average-inplace")
            << "stories260K" << "hf" << "average:0-1 inplace:3-4 a2" << true;
        QTest::newRow("llama2c-file") << "stories260K.bin" << "hf" << "a1 b3 m4" << true;
        QTest::newRow("student-sublayers") << "tinystories-student" << "hf" << "a3 m5 a15" << true;
        QTest::newRow("student-mixed")
            << "tinystories-student" << "hf" << "b15 rdsc:2-4 a7 m9 average:10-11 inplace:12-13"
            << false;
        QTest::newRow("qwen2-bias") << "tiny-qwen2-bias" << "hf" << "a0 average:1-2" << true;
        QTest::newRow("qwen2-sublayers") << "tiny-qwen2-bias" << "hf" << "a1 m0 m2" << true;
        QTest::newRow("mistral-headdim") << "tiny-mistral-headdim" << "hf" << "a0 rdsc:1-2" << true;
        QTest::newRow("llama3-untied") << "tiny-llama3-untied" << "hf" << "b1 m2" << true;
        QTest::newRow("deci-hf") << "deci-llama" << "hf" << "a1 m2 rdsc:3-4" << true;
        QTest::newRow("deci-mixed") << "deci-llama" << "decilm" << "a1 m2 rdsc:3-4" << true;
        QTest::newRow("deci-first-attn") << "deci-llama" << "decilm" << "a0 b2 m4" << true;
        QTest::newRow("deci-whole") << "deci-llama" << "decilm" << "a0 m0 a1 average:2-3 m4"
                                    << true;
        QTest::newRow("deci-qwen2") << "deci-qwen2" << "decilm" << "a1 m0 inplace:3-4" << true;
        QTest::newRow("deci-blocks-only") << "deci-llama" << "decilm" << "b0 rdsc:1-2" << true;
    }

    void roundTrip() {
        QFETCH(QString, model);
        QFETCH(QString, format);
        QFETCH(QString, ops);
        QFETCH(bool, plainPlanExact);
        const fs::path source = resolve(model);
        const auto original = loadModel(source);
        const PruningPlan plan = makePlan(*original, source, ops.toStdString());
        const ExportFormat fmt = parseExportFormat(format.toStdString());
        const fs::path out = freshOut();
        int64_t lastDone = 0, lastTotal = 0, calls = 0;
        exportPrunedModel(*original, plan, source, out, fmt, [&](int64_t done, int64_t total) {
            lastDone = done;
            lastTotal = total;
            ++calls;
            return true;
        });
        QCOMPARE(lastDone, lastTotal);
        QCOMPARE(calls, lastTotal);  // one report per tensor

        // Logits: reloaded == the model the export stores, exactly.
        const auto reloaded = loadModel(out);
        const auto inMemory = applyPlan(*original, plan);
        const auto stored = storedPrunedModel(*original, plan, StoredDtypes(source));
        const at::Tensor got = logits(*reloaded);
        const at::Tensor want = logits(*stored);
        QVERIFY2(at::equal(got, want),
                 qPrintable(QString("max |diff| %1").arg(maxAbsDiff(got, want))));
        const at::Tensor plain = logits(*inMemory);
        if (plainPlanExact) {
            QVERIFY(at::equal(got, plain));
        } else {  // bf16 merges rounded: close to the float32 merge, not equal
            QVERIFY(!at::equal(got, plain));
            QVERIFY(maxAbsDiff(got, plain) < 0.05 * plain.abs().max().item<double>());
        }

        const json cfg = readJson(out / "config.json");
        const json src = fs::is_directory(source) ? readJson(source / "config.json") : json();
        const json& lamina = cfg["lamina"];
        QCOMPARE(cfg["num_hidden_layers"].get<int64_t>(), inMemory->numLayers());
        QVERIFY(lamina["source_layers"] == json(inMemory->sourceLayers));
        QCOMPARE(lamina["source_model"]["fingerprint"].get<std::string>(), plan.modelFingerprint);
        QCOMPARE(lamina["method"].get<std::string>(), std::string("test"));
        QCOMPARE(lamina["operations"].size(), plan.operations.size());
        QCOMPARE(lamina["format"].get<std::string>(), format.toStdString());
        std::vector<std::string> removed;
        for (const RemovedSublayer& r : removedSublayers(*inMemory)) removed.push_back(r.label());
        QCOMPARE(reloaded->config.tieWordEmbeddings, original->config.tieWordEmbeddings);

        const Checkpoint ck = Checkpoint::open(out);
        QCOMPARE(ck.find("lm_head.weight") == nullptr, original->config.tieWordEmbeddings);
        const StoredDtypes srcTypes(source);
        for (const std::string& name : ck.tensorNames()) {
            QVERIFY(ck.get(name).dtype == (srcTypes.of("model.embed_tokens.weight") == at::kBFloat16
                                               ? DType::BF16
                                               : DType::F32));
        }

        if (fmt == ExportFormat::Hf) {
            QVERIFY(cfg["model_type"] == (src.is_null() ? json("llama") : src["model_type"]));
            QVERIFY(cfg["architectures"] ==
                    (src.is_null() ? json({"LlamaForCausalLM"}) : src["architectures"]));
            if (removed.empty()) {
                QVERIFY(!lamina.contains("zeroed_sublayers"));
            } else {
                QVERIFY(lamina["zeroed_sublayers"] == json(removed));
                QVERIFY(lamina["zeroed_sublayers_note"].get<std::string>().find("compute") !=
                        std::string::npos);
            }
            for (int64_t i = 0; i < inMemory->numLayers(); ++i) {
                const auto k = static_cast<std::size_t>(i);
                const BlockWeights& kept = inMemory->blocks[k];
                const BlockWeights& back = reloaded->blocks[k];
                const BlockWeights& full =
                    original->blocks[static_cast<std::size_t>(inMemory->sourceLayers[k])];
                QVERIFY(back.hasAttention() && back.hasMlp());  // plain checkpoint: all there
                if (!kept.hasAttention()) {
                    QVERIFY(allZero(back.attn.wo));
                    QVERIFY(!back.attn.bo.defined() || allZero(back.attn.bo));
                    QVERIFY(at::equal(back.attn.wq, full.attn.wq.to(back.attn.wq.scalar_type())));
                }
                if (!kept.hasMlp()) {
                    QVERIFY(allZero(back.mlp.down));
                    QVERIFY(at::equal(back.mlp.gate, full.mlp.gate));
                }
            }
        } else {
            QCOMPARE(cfg["model_type"].get<std::string>(), std::string("nemotron-nas"));
            QVERIFY(cfg["architectures"] == json({"DeciLMForCausalLM"}));
            QVERIFY(cfg["auto_map"]["AutoModelForCausalLM"].get<std::string>().find(
                        "modeling_decilm.DeciLMForCausalLM") != std::string::npos);
            QCOMPARE(cfg["head_dim"].get<int64_t>(), original->config.headDim);
            QVERIFY(lamina["removed_sublayers"] == json(removed));
            const json& blocks = cfg["block_configs"];
            QCOMPARE(static_cast<int64_t>(blocks.size()), inMemory->numLayers());
            const ModelConfig& c = original->config;
            for (int64_t i = 0; i < inMemory->numLayers(); ++i) {
                const auto k = static_cast<std::size_t>(i);
                const BlockWeights& kept = inMemory->blocks[k];
                const json& attn = blocks[k]["attention"];
                const json& ffn = blocks[k]["ffn"];
                const std::string p = "model.layers." + std::to_string(i) + ".";
                QCOMPARE(attn["no_op"].get<bool>(), !kept.hasAttention());
                QCOMPARE(ffn["no_op"].get<bool>(), !kept.hasMlp());
                QCOMPARE(attn["replace_with_linear"].get<bool>(), false);
                if (kept.hasAttention()) {
                    QCOMPARE(attn["n_heads_in_group"].get<int64_t>(), c.numHeads / c.numKvHeads);
                    QVERIFY(ck.find(p + "self_attn.o_proj.weight") != nullptr);
                } else {  // llama.cpp reads n_heads_in_group null as "no attention"
                    QVERIFY(attn["n_heads_in_group"].is_null());
                    QVERIFY(ck.find(p + "input_layernorm.weight") == nullptr);
                    QVERIFY(ck.find(p + "self_attn.q_proj.weight") == nullptr);
                    QVERIFY(ck.find(p + "self_attn.o_proj.weight") == nullptr);
                    QVERIFY(!reloaded->blocks[k].hasAttention());
                }
                if (kept.hasMlp()) {
                    QVERIFY(ffn["ffn_mult"].is_number_float());  // llama.cpp asserts a float
                    QCOMPARE(ffnMultToIntermediateSize(ffn["ffn_mult"].get<double>(), c.hiddenSize),
                             c.intermediateSize);
                } else {  // ffn_mult null: llama.cpp's "dummy" FFN
                    QVERIFY(ffn["ffn_mult"].is_null());
                    QVERIFY(ck.find(p + "post_attention_layernorm.weight") == nullptr);
                    QVERIFY(ck.find(p + "mlp.gate_proj.weight") == nullptr);
                    QVERIFY(ck.find(p + "mlp.down_proj.weight") == nullptr);
                    QVERIFY(!reloaded->blocks[k].hasMlp());
                }
            }
            if (model == "deci-qwen2") {  // one bias setting for all consumers: zero o bias
                QCOMPARE(cfg["attention_bias"].get<bool>(), true);
                QCOMPARE(cfg["o_proj_bias"].get<bool>(), true);
                QVERIFY(allZero(reloaded->blocks[2].attn.bo));
            }
            // vLLM fails when an FFN runs before any attention (residual still None).
            bool ffnFirst = false;
            for (const BlockWeights& b : inMemory->blocks) {
                if (b.hasAttention()) break;
                if (b.hasMlp()) {
                    ffnFirst = true;
                    break;
                }
            }
            const bool vllmNote = lamina.contains("consumer_notes") &&
                                  lamina["consumer_notes"].dump().find("vLLM") != std::string::npos;
            QCOMPARE(vllmNote, ffnFirst);
        }
    }

    void tokenizerFilesCopied() {
        const fs::path source = sharedDir() / "models/tinystories-student";
        const auto original = loadModel(source);
        const fs::path out = freshOut();
        exportPrunedModel(*original, makePlan(*original, source, "b3"), source, out,
                          ExportFormat::Hf);
        for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
            QVERIFY(fs::exists(out / name));
            QCOMPARE(fs::file_size(out / name), fs::file_size(source / name));
        }
        const json cfg = readJson(out / "config.json");
        QVERIFY(cfg["lamina"]["tokenizer_files"] ==
                json({"tokenizer.json", "tokenizer_config.json"}));
        QVERIFY(fs::exists(out / "model.safetensors"));  // 40 MB: one file
        QVERIFY(!fs::exists(out / "model.safetensors.index.json"));
        QCOMPARE(cfg["torch_dtype"].get<std::string>(), std::string("bfloat16"));
        QCOMPARE(cfg["initializer_range"].get<double>(), 0.02);  // unknown fields kept
    }

    void llama2cSourceHasNoTokenizer() {
        const fs::path source = resolve("stories260K.bin");
        const auto original = loadModel(source);
        const fs::path out = freshOut();
        exportPrunedModel(*original, makePlan(*original, source, "a2"), source, out,
                          ExportFormat::Hf);
        const json cfg = readJson(out / "config.json");
        QVERIFY(cfg["lamina"]["tokenizer_files"].empty());
        QVERIFY(cfg["lamina"]["tokenizer_note"].get<std::string>().find("llama2.c") !=
                std::string::npos);
        QCOMPARE(cfg["tie_word_embeddings"].get<bool>(), true);
        QCOMPARE(cfg["num_hidden_layers"].get<int64_t>(), int64_t{5});
        QVERIFY(!fs::exists(out / "tokenizer.json"));
    }

    void shardsLikeLargeCheckpoints() {
        const fs::path source = sharedDir() / "models/tinystories-student";
        const auto original = loadModel(source);
        const PruningPlan plan = makePlan(*original, source, "a1 m2 b8");
        const fs::path out = freshOut();
        ExportOptions options;
        options.maxShardBytes = 8'000'000;
        exportPrunedModel(*original, plan, source, out, ExportFormat::Hf, {}, options);
        const json index = readJson(out / "model.safetensors.index.json");
        std::map<std::string, int> shards;  // file → tensors in it
        for (const auto& [name, shard] : index["weight_map"].items()) {
            ++shards[shard.get<std::string>()];
        }
        QVERIFY(shards.size() >= 4);
        QVERIFY(shards.count("model-00001-of-0000" + std::to_string(shards.size()) +
                             ".safetensors") == 1);
        int64_t bytes = 0;
        for (const auto& [shard, count] : shards) {  // only a lone oversized tensor exceeds it
            QVERIFY(count == 1 || fs::file_size(out / shard) < 8'000'000 + 100'000);
            bytes += static_cast<int64_t>(fs::file_size(out / shard));
        }
        QVERIFY(index["metadata"]["total_size"].get<int64_t>() <= bytes);
        QVERIFY(!fs::exists(out / "model.safetensors"));
        const auto reloaded = loadModel(out);
        QVERIFY(at::equal(logits(*reloaded), logits(*applyPlan(*original, plan))));
    }

    void describesExports() {
        const auto original = loadModel(mDeci);
        const PruningPlan plan = makePlan(*original, mDeci, "a0 m2 b4");
        const fs::path hf = freshOut(), deci = freshOut();
        exportPrunedModel(*original, plan, mDeci, hf, ExportFormat::Hf);
        exportPrunedModel(*original, plan, mDeci, deci, ExportFormat::DeciLm);

        const ModelSummary full = describeModel(mDeci);
        const ModelSummary h = describeModel(hf);
        const ModelSummary d = describeModel(deci);
        QCOMPARE(h.config.numLayers, int64_t{4});
        QCOMPARE(h.config.family, std::string("llama"));
        QCOMPARE(d.config.family, std::string("nemotron-nas"));
        QCOMPARE(d.config.architecture, std::string("DeciLMForCausalLM"));
        QCOMPARE(d.layers[0].attnParams, int64_t{0});
        QCOMPARE(d.layers[2].mlpParams, int64_t{0});
        QCOMPARE(d.layers[1].attnParams, full.layers[1].attnParams);
        const int64_t attn = full.layers[0].attnParams, mlp = full.layers[0].mlpParams;
        QCOMPARE(h.totalParams, full.totalParams - attn - mlp);        // zeroed, still stored
        QCOMPARE(d.totalParams, full.totalParams - 2 * attn - 2 * mlp);  // really gone
        QVERIFY(fs::file_size(deci / "model.safetensors") < fs::file_size(hf / "model.safetensors"));

        for (const fs::path& dir : {hf, deci}) {
            const test::CliResult r = test::runCli(
                {QStringLiteral("info"), QString::fromStdString(dir.string()), QStringLiteral("--json")});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QCOMPARE(r.json().value("layers").toInt(), 4);
        }
        const test::CliResult r = test::runCli(
            {QStringLiteral("info"), QString::fromStdString(deci.string()), QStringLiteral("--json")});
        QCOMPARE(r.json().value("family").toString(), QStringLiteral("nemotron-nas"));
    }

    void refusesNonEmptyOutDir() {
        const fs::path source = sharedDir() / "models/stories260K";
        const auto original = loadModel(source);
        const PruningPlan plan = makePlan(*original, source, "b1");
        const fs::path out = freshOut();
        fs::create_directories(out);
        std::ofstream(out / "keep.txt") << "mine";
        expectError([&] { exportPrunedModel(*original, plan, source, out, ExportFormat::Hf); },
                    {out.string(), "not empty"});
        QVERIFY(fs::exists(out / "keep.txt"));
        const fs::path file = freshOut();
        std::ofstream(file) << "x";
        expectError([&] { exportPrunedModel(*original, plan, source, file, ExportFormat::Hf); },
                    {file.string(), "not a directory"});
        const fs::path empty = freshOut();  // an empty directory is fine
        fs::create_directories(empty);
        exportPrunedModel(*original, plan, source, empty, ExportFormat::Hf);
        QVERIFY(fs::exists(empty / "config.json"));
    }

    void refusesBadPlans() {
        const fs::path source = sharedDir() / "models/stories260K";
        const auto original = loadModel(source);
        PruningPlan plan = makePlan(*original, source, "b1");
        plan.layers = 16;
        const fs::path out = freshOut();
        expectError([&] { exportPrunedModel(*original, plan, source, out, ExportFormat::Hf); },
                    {"16-layer"});
        plan = makePlan(*original, source, "b1");
        plan.family = "qwen2";
        expectError([&] { exportPrunedModel(*original, plan, source, out, ExportFormat::Hf); },
                    {"qwen2", "llama"});
        QVERIFY(!fs::exists(out));
    }

    // ffn_mult cannot express the student's 688 (nor any width off a multiple of 256).
    void decilmRefusesInexpressibleWidths() {
        const fs::path source = sharedDir() / "models/tinystories-student";
        const auto original = loadModel(source);
        const fs::path out = freshOut();
        expectError(
            [&] {
                exportPrunedModel(*original, makePlan(*original, source, "a1"), source, out,
                                  ExportFormat::DeciLm);
            },
            {out.string(), "intermediate_size 688", "multiple of 256", "--format hf"});
        QVERIFY(!fs::exists(out));
        const fs::path mistral = sharedDir() / "models/tiny-mistral-headdim";
        const auto m = loadModel(mistral);
        expectError(
            [&] {
                exportPrunedModel(*m, makePlan(*m, mistral, "a1"), mistral, out,
                                  ExportFormat::DeciLm);
            },
            {"intermediate_size 192"});
        // hf refuses nemotron-nas sources (they are not Llama checkpoints).
        const auto deci = loadModel(mDeci);
        const fs::path deciOut = freshOut();
        exportPrunedModel(*deci, makePlan(*deci, mDeci, "a1"), mDeci, deciOut,
                          ExportFormat::DeciLm);
        const auto reloaded = loadModel(deciOut);
        expectError(
            [&] {
                exportPrunedModel(*reloaded, makePlan(*reloaded, deciOut, "b0"), deciOut, out,
                                  ExportFormat::Hf);
            },
            {"nemotron-nas", "--format decilm"});
        // ... but re-exporting a decilm export as decilm works.
        const auto plan2 = makePlan(*reloaded, deciOut, "m2");
        exportPrunedModel(*reloaded, plan2, deciOut, out, ExportFormat::DeciLm);
        QVERIFY(at::equal(logits(*loadModel(out)), logits(*applyPlan(*reloaded, plan2))));
    }

    void cancelLeavesNothing() {
        const fs::path source = sharedDir() / "models/stories260K";
        const auto original = loadModel(source);
        const fs::path out = freshOut();
        int64_t calls = 0;
        try {
            exportPrunedModel(*original, makePlan(*original, source, "b1"), source, out,
                              ExportFormat::Hf, [&](int64_t, int64_t) { return ++calls < 10; });
            QFAIL("not cancelled");
        } catch (const Cancelled&) {
        }
        QCOMPARE(calls, int64_t{10});
        QVERIFY(!fs::exists(out));
        for (const auto& entry : fs::directory_iterator(tmp())) {
            QVERIFY2(entry.path().filename().string().find(".partial-") == std::string::npos,
                     entry.path().c_str());
        }
    }

    // Nemotron-NAS configs as NVIDIA writes them: null global sizes, per-block values.
    void readsNemotronConfigs() {
        auto block = [](json nHeads, json mult) {
            return json{{"attention",
                         {{"n_heads_in_group", nHeads}, {"no_op", nHeads.is_null()},
                          {"replace_with_linear", false}, {"window_length", nullptr}}},
                        {"ffn", {{"ffn_mult", mult}, {"no_op", mult.is_null()},
                                 {"replace_with_linear", false}}}};
        };
        json cfg = {{"model_type", "nemotron-nas"},  {"architectures", {"DeciLMForCausalLM"}},
                    {"vocab_size", 100},             {"hidden_size", 256},
                    {"num_attention_heads", 8},      {"num_hidden_layers", 3},
                    {"intermediate_size", nullptr},  {"num_key_value_heads", nullptr},
                    {"rms_norm_eps", 1e-5},
                    {"block_configs",
                     {block(4, 1.3125), block(nullptr, 1.3125), block(4, nullptr)}}};
        const ModelConfig c = parseModelConfig(cfg.dump(), "n/config.json");
        QCOMPARE(c.intermediateSize, int64_t{256});
        QCOMPARE(c.numKvHeads, int64_t{2});
        QVERIFY(c.hasAttention(0) && !c.hasAttention(1) && c.hasAttention(2));
        QVERIFY(c.hasMlp(1) && !c.hasMlp(2));

        json mixed = cfg;
        mixed["block_configs"][1] = block(8, 2.625);
        expectError([&] { parseModelConfig(mixed.dump(), "n/config.json"); },
                    {"n/config.json", "block_configs[1].attention.n_heads_in_group", "differs"});
        json linear = cfg;
        linear["block_configs"][0]["attention"]["replace_with_linear"] = true;
        expectError([&] { parseModelConfig(linear.dump(), "n/config.json"); },
                    {"replace_with_linear", "not supported"});
        json count = cfg;
        count["num_hidden_layers"] = 4;
        expectError([&] { parseModelConfig(count.dump(), "n/config.json"); },
                    {"block_configs", "3 entries"});
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "test_export.moc"
