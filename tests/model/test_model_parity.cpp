// Parity of the forward pass with transformers: ../shared/golden/*.safetensors hold logits,
// hidden states and per-token NLL computed by PyTorch + transformers on the same inputs.

#include <QtTest/QtTest>

#include "common/runtime.h"
#include "fixtures.h"
#include "golden.h"
#include "model/forward.h"
#include "model/model.h"

using namespace lamina;
using lamina::test::GoldenFile;
using lamina::test::maxAbsDiff;
using lamina::test::sharedDir;

namespace {

// Collects h_0 … h_L reported by the forward pass.
struct ResidualCollector {
    std::vector<at::Tensor> h;
    Taps taps() {
        Taps t;
        t.residual = true;
        t.onTap = [this](const TapPoint& p, const at::Tensor& x) {
            if (static_cast<std::size_t>(p.layer) >= h.size()) h.resize(p.layer + 1);
            h[p.layer] = x;
        };
        return t;
    }
};

// "skip_attn1_mlp3" → attention of block 1 and FFN of block 3 removed;
// "drop_block2", "drop_blocks12_13" → whole blocks removed.
Ablation ablationFromName(const std::string& name) {
    Ablation a;
    std::string kind;
    std::string digits;
    auto flush = [&]() {
        if (digits.empty()) return;
        const int64_t layer = std::stoll(digits);
        if (kind == "attn")
            a.removeAttn(layer);
        else if (kind == "mlp")
            a.removeMlp(layer);
        else
            a.removeBlock(layer);
        digits.clear();
    };
    std::size_t i = name.find('_') + 1;
    for (; i < name.size(); ++i) {
        const char ch = name[i];
        if (std::isdigit(static_cast<unsigned char>(ch))) {
            digits += ch;
        } else if (ch == '_') {
            flush();
        } else {
            flush();
            std::string word;
            while (i < name.size() && std::isalpha(static_cast<unsigned char>(name[i]))) {
                word += name[i++];
            }
            --i;
            if (word == "attn" || word == "mlp")
                kind = word;
            else if (word.rfind("block", 0) == 0)
                kind = "block";
        }
    }
    flush();
    return a;
}

}  // namespace

class TestModelParity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        configureRuntime(2);
    }

    void ablationNames() {
        const Ablation a = ablationFromName("skip_attn5_11_mlp9");
        QVERIFY(a.attnRemoved(5) && a.attnRemoved(11) && a.mlpRemoved(9));
        QVERIFY(!a.mlpRemoved(5) && !a.attnRemoved(9));
        QCOMPARE(a.removedSublayers(), 3);
        const Ablation b = ablationFromName("drop_blocks12_13");
        QVERIFY(b.blockRemoved(12) && b.blockRemoved(13) && !b.blockRemoved(11));
    }

    void float32Models_data() {
        QTest::addColumn<QString>("name");
        for (const char* n :
             {"stories260K", "tiny-llama3-untied", "tiny-qwen2-bias", "tiny-mistral-headdim"}) {
            QTest::newRow(n) << QString(n);
        }
    }

    // Logits, every hidden state and every masked variant within 1e-4 absolute.
    void float32Models() {
        QFETCH(QString, name);
        const auto model = loadModel(sharedDir() / "models" / name.toStdString());
        const GoldenFile golden(sharedDir() / "golden" / (name.toStdString() + ".safetensors"));
        const at::Tensor ids = golden.get("input_ids");

        ResidualCollector residuals;
        const Taps taps = residuals.taps();
        const at::Tensor logits = forwardLogits(*model, ids, {}, &taps);
        QVERIFY2(maxAbsDiff(logits, golden.get("logits")) < 1e-4,
                 qPrintable(
                     QString("logits differ by %1").arg(maxAbsDiff(logits, golden.get("logits")))));
        QCOMPARE(static_cast<int64_t>(residuals.h.size()), model->numLayers() + 1);
        for (int64_t j = 0; j <= model->numLayers(); ++j) {
            const double diff =
                maxAbsDiff(residuals.h[j], golden.get("hidden." + std::to_string(j)));
            QVERIFY2(diff < 1e-4, qPrintable(QString("hidden.%1 differs by %2").arg(j).arg(diff)));
        }
        int variants = 0;
        for (const std::string key :
             {"logits.skip_attn1_mlp3", "logits.drop_block2", "logits.skip_attn0_mlp1"}) {
            if (!golden.has(key)) continue;
            ++variants;
            const Ablation ablation = ablationFromName(key.substr(key.find('.') + 1));
            const double diff = maxAbsDiff(forwardLogits(*model, ids, ablation), golden.get(key));
            QVERIFY2(diff < 1e-4,
                     qPrintable(QString::fromStdString(key) + QString(" differs by %1").arg(diff)));
            // The ablation must matter, otherwise the comparison proves nothing.
            QVERIFY(maxAbsDiff(golden.get(key), golden.get("logits")) > 1e-2);
        }
        QVERIFY(variants > 0);
    }

    // The bf16 student: NLL within 1e-3, hidden states of row 0 within 1e-3.
    void studentNll() {
        const auto model = loadModel(sharedDir() / "models" / "tinystories-student");
        const GoldenFile golden(sharedDir() / "golden" / "tinystories-student.safetensors");
        const at::Tensor ids = golden.get("input_ids");
        ResidualCollector residuals;
        const Taps taps = residuals.taps();
        const at::Tensor h =
            runBlocks(*model, embedTokens(*model, ids), 0, model->numLayers(), {}, &taps);
        const double nllDiff = maxAbsDiff(nextTokenNll(*model, h, ids), golden.get("nll"));
        QVERIFY2(nllDiff < 1e-3, qPrintable(QString("nll differs by %1").arg(nllDiff)));
        for (int64_t j = 0; j <= model->numLayers(); ++j) {
            const double diff =
                maxAbsDiff(residuals.h[j][0], golden.get("hidden." + std::to_string(j) + ".row0"));
            QVERIFY2(diff < 1e-3, qPrintable(QString("hidden.%1 differs by %2").arg(j).arg(diff)));
        }
        const at::Tensor logits = lmLogits(*model, h);
        QVERIFY(maxAbsDiff(logits[0].narrow(0, 0, 8), golden.get("logits.row0.first8")) < 1e-3);
        QVERIFY(maxAbsDiff(logits[1].narrow(0, 120, 8), golden.get("logits.row1.last8")) < 1e-3);
        for (const std::string key : {"nll.skip_attn5_11_mlp9", "nll.drop_blocks12_13"}) {
            const Ablation ablation = ablationFromName(key.substr(4));
            const at::Tensor hh =
                runBlocks(*model, embedTokens(*model, ids), 0, model->numLayers(), ablation);
            const double diff = maxAbsDiff(nextTokenNll(*model, hh, ids), golden.get(key));
            QVERIFY2(diff < 1e-3,
                     qPrintable(QString::fromStdString(key) + QString(" differs by %1").arg(diff)));
            QVERIFY(maxAbsDiff(golden.get(key), golden.get("nll")) > 1e-2);
        }
    }

    // Starting at a cached residual stream gives the same output as the full forward.
    void prefixReuse() {
        const auto model = loadModel(sharedDir() / "models" / "stories260K");
        const GoldenFile golden(sharedDir() / "golden" / "stories260K.safetensors");
        const at::Tensor ids = golden.get("input_ids");
        const at::Tensor h2 = runBlocks(*model, embedTokens(*model, ids), 0, 2);
        const at::Tensor logits = lmLogits(*model, runBlocks(*model, h2, 2, model->numLayers()));
        QVERIFY(maxAbsDiff(logits, golden.get("logits")) < 1e-4);
    }

    // The llama2.c original of stories260K, imported with the q/k permutation, matches the
    // transformers logits of the converted HF checkpoint.
    void llama2cImport() {
        const auto model =
            loadModel(sharedDir() / "models" / "stories260K" / "llama2c" / "stories260K.bin");
        QCOMPARE(model->format, std::string("llama2c"));
        QCOMPARE(model->numLayers(), 5);
        const GoldenFile golden(sharedDir() / "golden" / "stories260K.safetensors");
        const double diff =
            maxAbsDiff(forwardLogits(*model, golden.get("input_ids")), golden.get("logits"));
        QVERIFY2(diff < 1e-4, qPrintable(QString("llama2c logits differ by %1").arg(diff)));
    }

    // bf16 compute runs and stays close to float32 (loose: bf16 has 8 bits of mantissa).
    void bf16Compute() {
        LoadOptions opts;
        opts.compute = ComputeDtype::BFloat16;
        opts.weights = WeightResidence::Converted;
        const auto model = loadModel(sharedDir() / "models" / "stories260K", opts);
        QVERIFY(model->embed.scalar_type() == at::kBFloat16);  // Qt Test cannot print ScalarType
        const GoldenFile golden(sharedDir() / "golden" / "stories260K.safetensors");
        const at::Tensor logits = forwardLogits(*model, golden.get("input_ids"));
        QVERIFY(logits.scalar_type() == at::kBFloat16);
        // Mapped float32 weights converted as they are used: the same bf16 arithmetic.
        opts.weights = WeightResidence::Mapped;
        const auto mapped = loadModel(sharedDir() / "models" / "stories260K", opts);
        QVERIFY(mapped->embed.scalar_type() == at::kFloat);
        QVERIFY(at::equal(forwardLogits(*mapped, golden.get("input_ids")), logits));
        const double diff = maxAbsDiff(logits, golden.get("logits"));
        QVERIFY2(diff < 0.5, qPrintable(QString("bf16 logits differ by %1").arg(diff)));
    }
};

QTEST_APPLESS_MAIN(TestModelParity)
#include "test_model_parity.moc"
