// Incremental decoding with the KV cache and sampling for self-generated calibration.

#include <QtTest/QtTest>

#include "common/runtime.h"
#include "fixtures.h"
#include "golden.h"
#include "model/decode_step.h"
#include "model/forward.h"
#include "model/rope.h"
#include "model/generation.h"
#include "model/model.h"
#include "model/vector_kernels.h"
#include "plan_text.h"
#include "pruning/apply_plan.h"
#include "common/error.h"
#include "tokenizer/tokenizer.h"

using namespace lamina;
using lamina::test::maxAbsDiff;
using lamina::test::sharedDir;

class TestGeneration : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> mModel;
    std::filesystem::path mPath;

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        configureRuntime(2);
        mPath = sharedDir() / "models" / "stories260K";
        mModel = loadModel(mPath);
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

    // generate() with its reserved cache picks, step by step, the argmax of a full forward
    // over the sequence so far (no cache), for the model and for a plan that removes
    // attention (no cache kept there), a FFN and a block.
    void generateIsGreedyOverFullForwards() {
        const auto pruned = applyPlan(*mModel, test::planFromText(*mModel, mPath, "a1 m2 b3"));
        const std::vector<TokenId> prompt = {1, 403, 73, 300, 41, 9};
        for (const auto& m : {mModel, pruned}) {
            GenerateOptions o;
            o.maxNewTokens = 12;
            o.sampling.temperature = 0;
            const Generation g = generate(*m, {prompt}, o);
            std::vector<int64_t> seq(prompt.begin(), prompt.end());
            std::vector<TokenId> expected;
            for (int n = 0; n < 12; ++n) {
                const at::Tensor ids = at::tensor(seq, at::kLong).unsqueeze(0);
                const auto next = forwardLogits(*m, ids).select(1, ids.size(1) - 1).argmax(-1).item<int64_t>();
                expected.push_back(static_cast<TokenId>(next));
                seq.push_back(next);
            }
            QCOMPARE(g.tokens.front(), expected);
            QCOMPARE(g.stats.decodeSteps, int64_t{11});
            // Buffers for prompt + new tokens in every block with attention, none elsewhere.
            int64_t attentionBlocks = 0;
            for (const BlockWeights& b : m->blocks) attentionBlocks += b.hasAttention();
            const ModelConfig& c = m->config;
            QCOMPARE(g.stats.kvCacheBytes, attentionBlocks * 2 * c.numKvHeads * (6 + 12) * c.headDim * 4);
        }
        QVERIFY(pruned->numLayers() == mModel->numLayers() - 1);
    }

    // The vector kernels against sums in double: lengths with and without a SIMD tail, row
    // ranges not a multiple of four, several vectors, bias and accumulation.
    void multiplyRowsMatchesDirectSums() {
        at::manual_seed(7);
        for (const int64_t k : {1, 7, 16, 37, 256, 688}) {
            const int64_t rows = 11, B = 3;
            const at::Tensor w = at::randn({rows, k}), x = at::randn({B, k}), bias = at::randn({rows});
            const at::Tensor start = at::randn({B, rows});
            for (const bool accumulate : {false, true}) {
                at::Tensor y = start.clone();
                multiplyRows(w.data_ptr<float>(), bias.data_ptr<float>(), k, 2, 9, x.data_ptr<float>(), B,
                             y.data_ptr<float>(), rows, accumulate);
                const at::Tensor want = at::mm(x.to(at::kDouble), w.to(at::kDouble).t()) + bias.to(at::kDouble);
                for (int64_t b = 0; b < B; ++b) {
                    for (int64_t r = 0; r < rows; ++r) {
                        const double got = y[b][r].item<double>();
                        const double base = start[b][r].item<double>();
                        const double expect = r < 2 || r >= 9 ? base : want[b][r].item<double>() + (accumulate ? base : 0);
                        QVERIFY2(std::abs(got - expect) < 1e-4 * (1 + std::sqrt(static_cast<double>(k))),
                                 qPrintable(QString("k %1 row %2: %3 vs %4").arg(k).arg(r).arg(got).arg(expect)));
                    }
                }
            }
            const double dot = dotProduct(w.data_ptr<float>(), x.data_ptr<float>(), k);
            QVERIFY(std::abs(dot - at::dot(w[0].to(at::kDouble), x[0].to(at::kDouble)).item<double>()) < 1e-4 * (1 + k));
        }
        qInfo("vector kernels: %s", vectorKernelIsa());
    }

    // One query's softmax attention against a float64 softmax(scale·Kq)ᵀV, for head sizes
    // the vector path takes (multiples of 8 up to 128) and others (the generic loop).
    void attendOneMatchesDirectSoftmax() {
        at::manual_seed(11);
        for (const int64_t hd : {8, 24, 32, 64, 128, 12, 136}) {
            for (const int64_t S : {1, 7, 300}) {
                const at::Tensor q = at::randn({hd}), keys = at::randn({S, hd}), values = at::randn({S, hd});
                const float scale = 1.0F / std::sqrt(static_cast<float>(hd));
                std::vector<float> scores(static_cast<std::size_t>(S)), out(static_cast<std::size_t>(hd));
                attendOne(q.data_ptr<float>(), keys.data_ptr<float>(), values.data_ptr<float>(), S, hd, scale,
                          scores.data(), out.data());
                const at::Tensor p = (at::mv(keys.to(at::kDouble), q.to(at::kDouble)) * scale).softmax(0);
                const at::Tensor want = at::mv(values.to(at::kDouble).t(), p);
                for (int64_t j = 0; j < hd; ++j) {
                    QVERIFY2(std::abs(out[static_cast<std::size_t>(j)] - want[j].item<double>()) < 1e-5,
                             qPrintable(QString("hd %1 S %2 j %3").arg(hd).arg(S).arg(j)));
                }
            }
        }
    }

    // The stepper gives the logits of a full forward (no cache) at every step, on every
    // family's fixture (q/k/v biases, head_dim ≠ d / heads, llama3 RoPE), with a sliding
    // window of 3 set on stories260K, and with one worker or three (uneven shares).
    void decodeStepMatchesFullForward_data() {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("threads");
        QTest::newRow("stories260K") << "stories260K" << 0 << 1;
        QTest::newRow("stories260K 3 threads") << "stories260K" << 0 << 3;
        QTest::newRow("stories260K window 3") << "stories260K" << 3 << 2;
        QTest::newRow("tiny-qwen2-bias") << "tiny-qwen2-bias" << 0 << 3;
        QTest::newRow("tiny-mistral-headdim") << "tiny-mistral-headdim" << 0 << 2;
        QTest::newRow("tiny-llama3-untied") << "tiny-llama3-untied" << 0 << 3;
    }

    void decodeStepMatchesFullForward() {
        QFETCH(QString, fixture);
        QFETCH(int, window);
        QFETCH(int, threads);
        Model m = *loadModel(test::fixtureModel(fixture.toStdString()));
        if (window > 0) m.config.slidingWindow = window;
        QVERIFY(canDecodeStep(m));
        std::vector<int64_t> seq = {1, 17, 230, 5, 99};
        auto rows = [&] {
            at::Tensor t = at::tensor(seq, at::kLong).unsqueeze(0);
            return at::cat({t, (t + 1).remainder(m.config.vocabSize)});
        };
        KvCache cache;
        cache.reserve = 12;
        const at::Tensor h = runBlocks(m, embedTokens(m, rows()), 0, m.numLayers(), {}, nullptr, 0, &cache);
        at::Tensor next = lmLogits(m, h).select(1, h.size(1) - 1).argmax(-1);  // (2)
        RopeTable rope = makeRopeTable(m.config, 12, at::TensorOptions().dtype(at::kFloat));
        rope.cos = rope.cos.contiguous();
        rope.sin = rope.sin.contiguous();
        const int64_t V = m.config.vocabSize;
        DecodeStepper stepper(m, 2, threads);
        for (int step = 0; step < 6; ++step) {
            next[1] = (next[0].item<int64_t>() + 1) % V;  // row 1 stays row 0 shifted by one id
            seq.push_back(next[0].item<int64_t>());
            const at::Tensor ids = rows();
            const at::Tensor logits = stepper.step(next, cache, rope);
            const at::Tensor full = forwardLogits(m, ids).select(1, ids.size(1) - 1);
            const double diff = maxAbsDiff(logits, full);
            QVERIFY2(diff < 2e-5, qPrintable(QString("step %1: logits differ by %2").arg(step).arg(diff)));
            next = logits.argmax(-1);
        }
        QCOMPARE(cache.length(), int64_t{11});
    }

    // A batch decodes each row as it would alone; a stop token ends its row (and is kept);
    // onStep returning false ends generation.
    void generateBatchesStopsAndCallbacks() {
        GenerateOptions o;
        o.maxNewTokens = 10;
        o.sampling.temperature = 0;
        const std::vector<std::vector<TokenId>> prompts = {{1, 403, 73}, {1, 20, 300}, {1, 77, 41}};
        const Generation all = generate(*mModel, prompts, o);
        for (std::size_t r = 0; r < prompts.size(); ++r) {
            QCOMPARE(all.tokens[r], generate(*mModel, {prompts[r]}, o).tokens.front());
        }
        o.stopTokens = {all.tokens[1][3]};
        const Generation stopped = generate(*mModel, prompts, o);
        const auto& row = stopped.tokens[1];
        QVERIFY(row.size() <= 4);
        QCOMPARE(row.back(), all.tokens[1][3]);
        QCOMPARE(std::vector<TokenId>(all.tokens[1].begin(), all.tokens[1].begin() + static_cast<long>(row.size())), row);
        int steps = 0;
        bool rowsSeen = true;
        const Generation cut = generate(*mModel, prompts, o, [&](const std::vector<TokenId>& step) {
            rowsSeen = rowsSeen && step.size() == prompts.size();
            return ++steps < 3;
        });
        QCOMPARE(steps, 3);
        QVERIFY(rowsSeen);
        QCOMPARE(cut.tokens[0].size(), std::size_t{3});
        QVERIFY_THROWS_EXCEPTION(Error, generate(*mModel, {{1, 2}, {1}}, o));
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
