// Nothing a stranger's files contain is executed or loaded as code: custom-code hooks in a
// model directory (auto_map, Python files, shared objects) are ignored or refused, and an HDF5
// results file naming a filter cannot make HDF5 dlopen plugins. `libcode_marker.so`
// (code_marker.c) appends to $LAMINA_CODE_MARKER when anything loads it.

#include <hdf5.h>

#include <QtTest/QtTest>
#include <cstdlib>
#include <fstream>

#include "common/error.h"
#include "expect_error.h"
#include "model/model.h"
#include "store/results_store.h"
#include "tiny_model.h"

using namespace lamina;
namespace fs = std::filesystem;
using lamina::test::expectError;
using lamina::test::tinyConfig;
using lamina::test::writeJson;
using lamina::test::writeTinyModel;

namespace {

const fs::path kPluginDir = CODE_MARKER_DIR;
const fs::path kMarkerLibrary = kPluginDir / "libcode_marker.so";
constexpr H5Z_filter_t kFilterId = 40123;  // unregistered with The HDF Group; ours alone

size_t identityFilter(unsigned, size_t, const unsigned[], size_t nbytes, size_t*, void**) {
    return nbytes;
}

const H5Z_class2_t kIdentityFilter = {H5Z_CLASS_T_VERS, kFilterId, 1, 1, "lamina test identity",
                                      nullptr,          nullptr,   identityFilter};

// Rewrites dataset `name` of group `group` chunked through filter kFilterId, which is
// registered only while writing: a reader then needs a plugin to decode it.
void refilterDataset(const fs::path& file, const std::string& group, const std::string& name,
                     const std::vector<double>& values) {
    QVERIFY(H5Zregister(&kIdentityFilter) >= 0);
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    QVERIFY(f >= 0);
    const hid_t g = H5Gopen2(f, group.c_str(), H5P_DEFAULT);
    QVERIFY(H5Ldelete(g, name.c_str(), H5P_DEFAULT) >= 0);
    const hsize_t dims[1] = {values.size()};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    QVERIFY(H5Pset_chunk(dcpl, 1, dims) >= 0);
    QVERIFY(H5Pset_filter(dcpl, kFilterId, H5Z_FLAG_MANDATORY, 0, nullptr) >= 0);
    const hid_t d = H5Dcreate2(g, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl,
                               H5P_DEFAULT);
    QVERIFY(d >= 0);
    QVERIFY(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Gclose(g);
    H5Fclose(f);
    QVERIFY(H5Zunregister(kFilterId) >= 0);
}

}  // namespace

class TestNoCodeExecution : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;
    fs::path dir() const { return mTmp.path().toStdString(); }
    fs::path marker() const { return dir() / "marker.txt"; }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(mTmp.isValid());
        QVERIFY2(fs::exists(kMarkerLibrary), kMarkerLibrary.c_str());
        ::setenv("LAMINA_CODE_MARKER", marker().c_str(), 1);
    }
    void init() { fs::remove(marker()); }

    // The marker library itself works: loading it leaves the mark (else the tests below
    // could not fail). A copy, so that the original is not already loaded in this process
    // when HDF5 might dlopen it (a second dlopen would not run the constructor again).
    void markerDetectsLoading() {
        const fs::path copy = dir() / "libselfcheck.so";
        fs::copy_file(kMarkerLibrary, copy);
        QLibrary library(QString::fromStdString(copy.string()));
        QVERIFY2(library.load(), qPrintable(library.errorString()));
        QVERIFY(fs::exists(marker()));
    }

    // A results file whose dataset needs an unknown filter: HDF5 would search
    // HDF5_PLUGIN_PATH (set by main() to the marker's directory) and dlopen every lib*.so
    // there. The store turns plugin loading off: a clear error, no library loaded.
    void hdf5FilterPluginsAreNotLoaded() {
        const fs::path file = dir() / "filtered.h5";
        StoredResult result;
        result.meta.kind = "importance";
        result.meta.method = "test";
        result.meta.parameters = "{}";
        result.meta.modelFingerprint = "model";
        result.doubles["values"] = {{4}, {1.0, 2.0, 3.0, 4.0}};
        ResultsStore::open(file)->put(result);
        const std::string key = result.meta.key();
        refilterDataset(file, "/importance/" + key, "values", {1.0, 2.0, 3.0, 4.0});
        fs::remove(marker());

        auto store = ResultsStore::open(file, false);
        QCOMPARE(store->list().size(), std::size_t{1});
        expectError([&] { store->load(key); }, {file.string(), "values"});
        QVERIFY2(!fs::exists(marker()), "HDF5 loaded a plugin while reading a results file");
    }

    // A Hub-style directory with auto_map, Python modules and a shared object next to a
    // supported architecture: the model loads from config.json + safetensors alone, and no
    // file of the directory other than the safetensors is mapped into the process.
    void customCodeInModelDirectoryIsIgnored() {
        const fs::path model = dir() / "hub-model";
        writeTinyModel(model);
        auto config = tinyConfig({});
        config["auto_map"] = {{"AutoModelForCausalLM", "modeling_evil.EvilForCausalLM"}};
        writeJson(model / "config.json", config);
        writeJson(model / "tokenizer_config.json",
                  {{"auto_map", {{"AutoTokenizer", {"tokenization_evil.EvilTokenizer", nullptr}}}}});
        for (const char* py : {"modeling_evil.py", "tokenization_evil.py", "__init__.py"})
            std::ofstream(model / py) << "open(__import__('os').environ['LAMINA_CODE_MARKER'], "
                                         "'a').write('python ran\\n')\n";
        fs::copy_file(kMarkerLibrary, model / "libevil.so");
        fs::copy_file(kMarkerLibrary, model / "custom_kernels.so");

        const auto loaded = loadModel(model);
        QCOMPARE(loaded->numLayers(), 3);
        QVERIFY2(!fs::exists(marker()), "code from the model directory ran");
        std::ifstream maps("/proc/self/maps");
        for (std::string line; std::getline(maps, line);) {
            if (line.find(model.string()) == std::string::npos) continue;
            QVERIFY2(line.size() > 12 && line.substr(line.size() - 12) == ".safetensors",
                     line.c_str());
        }
    }

    // An architecture Lamina does not have, whose config points at custom code: refused,
    // saying that no code from the directory is run.
    void customArchitectureIsRefused() {
        const fs::path model = dir() / "custom-arch";
        writeTinyModel(model);
        auto config = tinyConfig({});
        config["model_type"] = "evil";
        config["auto_map"] = {{"AutoConfig", "configuration_evil.EvilConfig"}};
        writeJson(model / "config.json", config);
        expectError([&] { loadModel(model); },
                    {"config.json", "model_type", "evil", "never runs code"});
        QVERIFY(!fs::exists(marker()));
    }
};

int main(int argc, char** argv) {
    // HDF5 reads the plugin path once, when the library initialises: set it before any call.
    ::setenv("HDF5_PLUGIN_PATH", kPluginDir.c_str(), 1);
    QCoreApplication app(argc, argv);
    TestNoCodeExecution test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_no_code_execution.moc"
