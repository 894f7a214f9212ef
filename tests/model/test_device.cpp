// Device selection: names, the error on a libtorch without CUDA, and that the forward pass keeps
// every tensor on the model's device. No CUDA device is needed: the last is checked on the
// meta device, where an operation mixing a meta tensor with a CPU one throws.

#include <QtTest/QtTest>

#include <string>

#include "common/error.h"
#include "model/device.h"
#include "model/forward.h"
#include "model/model.h"
#include "tiny_model.h"

using namespace lamina;

namespace {

// The message of the `Error` that `fn` throws ("" when it throws none).
template <typename Fn>
std::string errorOf(Fn fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

class TestDevice : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

    // A tiny random model; a sliding window of `window` positions when > 0 (Mistral).
    std::shared_ptr<const Model> tinyModel(const std::string& name, const test::TinySpec& spec, int window = 0) {
        const std::filesystem::path dir = mTmp.filePath(QString::fromStdString(name)).toStdString();
        test::writeTinyModel(dir, spec);
        if (window > 0) {
            nlohmann::json config = test::tinyConfig(spec);
            config["sliding_window"] = window;
            test::writeJson(dir / "config.json", config);
        }
        return loadModel(dir);
    }

private Q_SLOTS:
    void initTestCase() { at::manual_seed(5); }

    void names() {
        QVERIFY(!parseDeviceName("cpu").cuda);
        QVERIFY(parseDeviceName("cuda").cuda);
        QCOMPARE(parseDeviceName("cuda").index, 0);
        QCOMPARE(parseDeviceName("cuda:3").index, 3);
        for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda1", "CUDA", "cuda:1234", ""}) {
            QVERIFY2(contains(errorOf([&] { parseDeviceName(bad); }), "expected cpu, cuda or cuda:N"), bad);
        }
        QCOMPARE(parseDevice("cpu"), at::Device(at::kCPU));
    }

    // Without CUDA in libtorch (Debian's) the error says so; with it, a device the machine
    // lacks is named.
    void unavailableCudaIsAnError() {
        if (!at::hasCUDA()) {
            QVERIFY(contains(errorOf([] { parseDevice("cuda"); }), "no CUDA support"));
        } else {
            QVERIFY(contains(errorOf([] { parseDevice("cuda:999"); }), "CUDA device(s)"));
        }
    }

    void placingOnItsOwnDeviceIsNoCopy() {
        const auto m = tinyModel("same", {});
        QCOMPARE(placeOnDevice(m, at::kCPU).get(), m.get());
        QCOMPARE(deviceOf(*m), at::Device(at::kCPU));
    }

    // Every weight moves (tied embeddings stay one tensor) and the forward pass — RoPE, the
    // causal mask, attention with and without a KV cache, the output layer and the next-token
    // NLL with CPU token ids — creates nothing on the CPU. (libtorch 1.13 has no meta kernel
    // for the embedding lookup, so the blocks start from a meta residual stream; and not every
    // meta kernel checks devices: a CPU index into gather goes unnoticed.)
    void forwardStaysOnTheModelsDevice_data() {
        QTest::addColumn<bool>("tied");
        QTest::addColumn<QString>("family");
        QTest::newRow("llama, tied") << true << "llama";
        QTest::newRow("mistral (sliding window), untied") << false << "mistral";
    }

    void forwardStaysOnTheModelsDevice() {
        QFETCH(bool, tied);
        QFETCH(QString, family);
        test::TinySpec spec;
        spec.tied = tied;
        spec.modelType = family.toStdString();
        const auto cpu = tinyModel(family.toStdString() + (tied ? "-tied" : "-untied"), spec,
                                   family == "mistral" ? 3 : 0);
        QCOMPARE(cpu->config.slidingWindow.has_value(), family == "mistral");
        const auto meta = placeOnDevice(cpu, at::kMeta);
        QCOMPARE(deviceOf(*meta), at::Device(at::kMeta));
        QCOMPARE(meta->lmHead.is_same(meta->embed), tied);
        for (const BlockWeights& b : meta->blocks) {
            QCOMPARE(b.attn.wq.device(), at::Device(at::kMeta));
            QCOMPARE(b.mlp.down.device(), at::Device(at::kMeta));
            QCOMPARE(b.mlp.norm.scalar_type(), meta->computeType);
        }
        QCOMPARE(deviceOf(*cpu), at::Device(at::kCPU));  // the CPU model is untouched

        const at::Tensor ids = at::randint(0, spec.vocab, {2, 7}, at::kLong);  // on the CPU
        auto stream = [&](int64_t T) {
            return at::empty({2, T, spec.hidden}, at::TensorOptions().device(at::kMeta).dtype(meta->computeType));
        };
        const at::Tensor h = runBlocks(*meta, stream(7), 0, meta->numLayers());
        const at::Tensor logits = lmLogits(*meta, h);
        QCOMPARE(logits.device(), at::Device(at::kMeta));
        QCOMPARE(logits.sizes(), (at::IntArrayRef{2, 7, spec.vocab}));
        const at::Tensor nll = nextTokenNll(*meta, h, ids);
        QCOMPARE(nll.device(), at::Device(at::kMeta));
        QCOMPARE(nll.sizes(), (at::IntArrayRef{2, 6}));

        KvCache cache;
        runBlocks(*meta, stream(4), 0, meta->numLayers(), {}, nullptr, 0, &cache);
        const at::Tensor next = runBlocks(*meta, stream(3), 0, meta->numLayers(), {}, nullptr, 4, &cache);
        QCOMPARE(next.device(), at::Device(at::kMeta));
        QCOMPARE(cache.length(), int64_t{7});
    }
};

QTEST_GUILESS_MAIN(TestDevice)
#include "test_device.moc"
