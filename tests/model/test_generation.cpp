// Incremental decoding with the KV cache and sampling for self-generated calibration.

#include <QtTest/QtTest>

#include "common/runtime.h"
#include "fixtures.h"
#include "golden.h"
#include "model/forward.h"
#include "model/generation.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

using namespace lamina;
using lamina::test::maxAbsDiff;
using lamina::test::sharedDir;

class TestGeneration : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> mModel;

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        configureRuntime(2);
        mModel = loadModel(sharedDir() / "models" / "stories260K");
    }

    // Feeding the golden input in pieces through the cache gives the full-sequence logits.
    void cacheMatchesFullForward() {
        const test::GoldenFile golden(sharedDir() / "golden" / "stories260K.safetensors");
        const at::Tensor ids = golden.get("input_ids");  // (1, 64)
        KvCache cache;
        std::vector<at::Tensor> parts;
        int64_t pos = 0;
        for (int64_t len : {1, 7, 1, 20, 35}) {
            const at::Tensor piece = ids.narrow(1, pos, len);
            const at::Tensor h = runBlocks(*mModel, embedTokens(*mModel, piece), 0,
                                           mModel->numLayers(), {}, nullptr, pos, &cache);
            parts.push_back(lmLogits(*mModel, h));
            pos += len;
        }
        QCOMPARE(cache.length(), 64);
        const double diff = maxAbsDiff(at::cat(parts, 1), golden.get("logits"));
        QVERIFY2(diff < 1e-4, qPrintable(QString("cached logits differ by %1").arg(diff)));
    }

    // The fixture's documented greedy continuation (shared/README.md).
    void greedyStory() {
        const auto tok = loadLlama2cTokenizer(
            sharedDir() / "models" / "stories260K" / "llama2c" / "tok512.bin", 512);
        SamplingOptions greedy;
        greedy.temperature = 0;
        const auto ids = sampleSequences(*mModel, 1, 40, 1, 2, greedy);
        const std::string text = tok->decode(ids, true);
        QVERIFY2(QString::fromStdString(text).startsWith(
                     "Once upon a time, there was a little girl named Lily. She loved to play "
                     "outside in the park."),
                 text.c_str());
    }

    void samplingIsSeeded() {
        SamplingOptions o;
        o.seed = 7;
        const auto a = sampleSequences(*mModel, 3, 40, 1, 2, o);
        const auto b = sampleSequences(*mModel, 3, 40, 1, 2, o);
        QCOMPARE(a, b);
        QCOMPARE(a.size(), std::size_t{120});
        for (int64_t r = 0; r < 3; ++r) QCOMPARE(a[static_cast<std::size_t>(r * 40)], 1);
        o.seed = 8;
        QVERIFY(sampleSequences(*mModel, 3, 40, 1, 2, o) != a);
        // Rows of one group differ from each other (independent draws).
        QVERIFY(!std::equal(a.begin(), a.begin() + 40, a.begin() + 40));
    }

    // top-p so small that only the most likely token survives = greedy.
    void tinyTopPIsGreedy() {
        SamplingOptions nucleus;
        nucleus.topP = 1e-6;
        SamplingOptions greedy;
        greedy.temperature = 0;
        QCOMPARE(sampleSequences(*mModel, 2, 25, 1, 2, nucleus),
                 sampleSequences(*mModel, 2, 25, 1, 2, greedy));
    }

    void cancel() {
        SamplingOptions o;
        QVERIFY_THROWS_EXCEPTION(Cancelled, sampleSequences(*mModel, 2, 50, 1, 2, o,
                                                            [](int64_t done, int64_t) {
                                                                return done < 10;
                                                            }));
    }
};

QTEST_APPLESS_MAIN(TestGeneration)
#include "test_generation.moc"
