// Stored dtypes and layouts: F16/BF16 checkpoints upcast exactly, sharded checkpoints load
// like single files. Uses small random checkpoints written by the test (no fixtures).

#include <QtTest/QtTest>

#include "common/error.h"
#include "golden.h"
#include "model/forward.h"
#include "model/model.h"
#include "model/safetensors_writer.h"
#include "tiny_model.h"

using namespace lamina;
namespace fs = std::filesystem;
using lamina::test::tinyConfig;
using lamina::test::TinySpec;
using lamina::test::tinyWeights;
using lamina::test::writeJson;

namespace {

// Weights rounded to `stored` and kept in float32, so a float32 checkpoint holds exactly the
// values the low-precision one upcasts to.
std::vector<std::pair<std::string, at::Tensor>> rounded(at::ScalarType stored) {
    auto w = tinyWeights({});
    for (auto& [name, t] : w) t = t.to(stored).to(at::kFloat);
    return w;
}

void writeModel(const fs::path& dir, const std::vector<std::pair<std::string, at::Tensor>>& w,
                at::ScalarType stored) {
    fs::create_directories(dir);
    writeJson(dir / "config.json", tinyConfig({}));
    auto cast = w;
    for (auto& [name, t] : cast) t = t.to(stored);
    writeSafetensors(dir / "model.safetensors", cast);
}

}  // namespace

class TestCheckpointFormats : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;
    fs::path dir() const { return mTmp.path().toStdString(); }
    at::Tensor mIds = at::randint(0, 32, {2, 7}, at::kLong);

private Q_SLOTS:
    void lowPrecisionUpcastsExactly_data() {
        QTest::addColumn<int>("dtype");
        QTest::newRow("F16") << int(at::kHalf);
        QTest::newRow("BF16") << int(at::kBFloat16);
    }

    void lowPrecisionUpcastsExactly() {
        QFETCH(int, dtype);
        const auto stored = static_cast<at::ScalarType>(dtype);
        const auto weights = rounded(stored);
        const std::string tag = std::to_string(dtype);
        writeModel(dir() / ("low" + tag), weights, stored);
        writeModel(dir() / ("f32" + tag), weights, at::kFloat);
        LoadOptions copy;
        copy.weights = WeightResidence::Converted;
        const auto low = loadModel(dir() / ("low" + tag));  // mapped: stays in its dtype
        const auto lowCopy = loadModel(dir() / ("low" + tag), copy);
        const auto f32 = loadModel(dir() / ("f32" + tag));
        // (QVERIFY, not QCOMPARE: Qt Test cannot print a c10::ScalarType)
        QVERIFY(low->embed.scalar_type() == stored);
        QVERIFY(lowCopy->embed.scalar_type() == at::kFloat);
        const at::Tensor expected = forwardLogits(*f32, mIds);
        QVERIFY(at::equal(forwardLogits(*low, mIds), expected));
        QVERIFY(at::equal(forwardLogits(*lowCopy, mIds), expected));
    }

    // A checkpoint split over two shards with an index gives the same model.
    void shardedEqualsSingle() {
        const auto weights = tinyWeights({});
        writeModel(dir() / "single", weights, at::kFloat);
        const fs::path sharded = dir() / "sharded";
        fs::create_directories(sharded);
        writeJson(sharded / "config.json", tinyConfig({}));
        const std::size_t half = weights.size() / 2;
        const std::vector<std::pair<std::string, at::Tensor>> a(weights.begin(),
                                                                weights.begin() + half);
        const std::vector<std::pair<std::string, at::Tensor>> b(weights.begin() + half,
                                                                weights.end());
        writeSafetensors(sharded / "model-00001-of-00002.safetensors", a);
        writeSafetensors(sharded / "model-00002-of-00002.safetensors", b);
        nlohmann::json map;
        for (const auto& [name, t] : a) map[name] = "model-00001-of-00002.safetensors";
        for (const auto& [name, t] : b) map[name] = "model-00002-of-00002.safetensors";
        writeJson(sharded / "model.safetensors.index.json", {{"weight_map", map}});
        const auto one = loadModel(dir() / "single");
        const auto two = loadModel(sharded);
        QVERIFY(at::equal(forwardLogits(*one, mIds), forwardLogits(*two, mIds)));
    }

    // Mapped weights (the default) alias the file whatever their dtype (a from_blob
    // storage, not resizable); asked for a float32 copy, bf16 weights are ordinary,
    // resizable storage while float32 ones still alias the file.
    void weightsAreZeroCopy() {
        writeModel(dir() / "zc32", tinyWeights({}), at::kFloat);
        writeModel(dir() / "zc16", tinyWeights({}), at::kBFloat16);
        LoadOptions copy;
        copy.weights = WeightResidence::Converted;
        QVERIFY(!loadModel(dir() / "zc32")->embed.storage().resizable());
        QVERIFY(!loadModel(dir() / "zc16")->embed.storage().resizable());
        QVERIFY(!loadModel(dir() / "zc32", copy)->embed.storage().resizable());
        QVERIFY(loadModel(dir() / "zc16", copy)->embed.storage().resizable());
    }

    void writerIsAtomic() {
        const fs::path path = dir() / "atomic.safetensors";
        writeSafetensors(path, {{"a", at::ones({2})}});
        QVERIFY(fs::exists(path));
        for (const auto& e : fs::directory_iterator(dir())) {  // no temporary left beside it
            QVERIFY2(e.path().filename().string().find(".tmp") == std::string::npos, e.path().c_str());
        }
        const lamina::test::GoldenFile back(path);
        QVERIFY(at::equal(back.get("a"), at::ones({2})));
        // An unwritable target directory is an Error naming the file, not a crash.
        QVERIFY_THROWS_EXCEPTION(
            Error, writeSafetensors(dir() / "missing" / "x.safetensors", {{"a", at::ones({2})}}));
    }
};

QTEST_APPLESS_MAIN(TestCheckpointFormats)
#include "test_checkpoint_formats.moc"
