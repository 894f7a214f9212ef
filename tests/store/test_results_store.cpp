// Results store: round trip, on-disk layout (checked with the raw HDF5 C API), read-only and
// damaged files, bad input, threads, timings. Layout: docs/results-format.md.

#include <hdf5.h>

#include <QtTest/QtTest>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <thread>

#include "common/error.h"
#include "expect_error.h"
#include "store/results_store.h"
#include "writer_results.h"

using namespace lamina;
namespace fs = std::filesystem;
using lamina::test::expectError;
using lamina::test::resultDifference;

namespace {

ResultMeta makeMeta(const std::string& kind, const std::string& method,
                    const std::string& parameters, const std::string& model = "model-A",
                    const std::string& dataset = "wikitext-fp") {
    ResultMeta meta;
    meta.kind = kind;
    meta.method = method;
    meta.parameters = parameters;
    meta.modelFingerprint = model;
    meta.datasetFingerprint = dataset;
    return meta;
}

StoredResult similarity(const std::string& method, int n, double scale = 1.0) {
    StoredResult r;
    r.meta = makeMeta("similarity", method, "{\"layers\":" + std::to_string(n) + "}");
    DoubleArray& m = r.doubles["matrix"];
    m.shape = {n, n};
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) m.values.push_back(scale * std::cos(i - j) / (1.0 + i + j));
    for (int i = 0; i < n; ++i) r.strings["labels"].push_back("layer " + std::to_string(i));
    r.attributes["note"] = "\xc3\x84hnlichkeit";  // "Ähnlichkeit"
    return r;
}

StoredResult importance() {
    StoredResult r;
    r.meta = makeMeta("importance", "bi", "{}", "model-A", "");
    const double inf = std::numeric_limits<double>::infinity();
    r.doubles["values"] = {{6},
                           {0.0, -0.0, inf, -inf, std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::max()}};
    r.doubles["scalar"] = {{}, {3.25}};
    r.doubles["empty"] = {{0}, {}};
    r.ints["order"] = {{6}, {5, 4, 3, 2, 1, std::numeric_limits<int64_t>::min()}};
    r.strings["labels"] = {"\xe5\xb1\x82", "\xf0\x9f\x98\x80", ""};  // "层", an emoji, empty
    r.strings["none"] = {};
    r.attributes["unit"] = "nats";
    r.attributes["empty"] = "";
    return r;
}

StoredResult calibration() {
    StoredResult r;
    r.meta = makeMeta("calibration", "self_generated", "{\"windows\":4,\"tokens\":8}");
    r.ints["ids"].shape = {4, 8};
    for (int i = 0; i < 32; ++i) r.ints["ids"].values.push_back(i * 1000 + 1);
    return r;
}

StoredResult large(const std::string& method, int n, uint64_t seed) {
    StoredResult r;
    r.meta = makeMeta("trajectory", method, "{}");
    DoubleArray& d = r.doubles["big"];
    d.shape = {n, n};
    for (int i = 0; i < n * n; ++i)
        d.values.push_back(static_cast<double>(test::splitMix(seed + i) >> 44) / 16.0);
    r.doubles["small"] = {{3}, {1, 2, 3}};
    return r;
}

std::string bytesOf(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// --- raw HDF5 helpers (the test reads the file the way another tool would) ---

std::string rawString(hid_t object, const char* name) {
    const hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    if (attr < 0) return "<missing " + std::string(name) + ">";
    const hid_t type = H5Aget_type(attr);
    std::string value = "<not a variable-length string>";
    if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
        char* text = nullptr;
        const hid_t memType = H5Tcopy(H5T_C_S1);
        H5Tset_size(memType, H5T_VARIABLE);
        H5Tset_cset(memType, H5Tget_cset(type));
        if (H5Aread(attr, memType, &text) >= 0 && text != nullptr) value = text;
        H5free_memory(text);
        H5Tclose(memType);
    }
    H5Tclose(type);
    H5Aclose(attr);
    return value;
}

int64_t rawInt(hid_t object, const char* name) {
    const hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    const hid_t type = H5Aget_type(attr);
    int64_t value = -2;
    if (H5Tget_class(type) == H5T_INTEGER) H5Aread(attr, H5T_NATIVE_INT64, &value);
    H5Tclose(type);
    H5Aclose(attr);
    return value;
}

std::vector<std::string> rawMembers(hid_t group) {
    std::vector<std::string> names;
    auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names);
    return names;
}

void rawSchemaFile(const fs::path& path, bool withAttribute, int version, bool asString) {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    QVERIFY(file >= 0);
    if (withAttribute) {
        const hid_t space = H5Screate(H5S_SCALAR);
        const hid_t type = asString ? H5Tcopy(H5T_C_S1) : H5Tcopy(H5T_STD_I32LE);
        if (asString) H5Tset_size(type, 4);
        const hid_t attr =
            H5Acreate2(file, "lamina_schema_version", type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (asString)
            H5Awrite(attr, type, "two");
        else
            H5Awrite(attr, H5T_NATIVE_INT, &version);
        H5Aclose(attr);
        H5Tclose(type);
        H5Sclose(space);
    }
    H5Fclose(file);
}

std::vector<std::string> keysOf(const std::vector<ResultMeta>& metas) {
    std::vector<std::string> keys;
    for (const ResultMeta& m : metas) keys.push_back(m.key());
    return keys;
}

}  // namespace

class TestResultsStore : public QObject {
    Q_OBJECT
    QTemporaryDir mDir;

    fs::path file(const char* name) const { return fs::path(mDir.path().toStdString()) / name; }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(mDir.isValid());
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the damaged-file rows are expected
    }

    void keyIsFnv1aOfTheFiveFields() {
        const ResultMeta a = makeMeta("similarity", "cka_linear", "{}", "m", "d");
        QCOMPARE(a.key().size(), std::size_t{16});
        QVERIFY(a.key().find_first_not_of("0123456789abcdef") == std::string::npos);
        ResultMeta b = a;
        b.toolVersion = "other";
        b.created = "2020-01-01T00:00:00Z";
        QCOMPARE(b.key(), a.key());  // provenance is not part of the key
        QVERIFY(makeMeta("similarity", "cka_linear", "{}", "md", "").key() != a.key());
        QVERIFY(makeMeta("similarity", "cka_linea", "r{}", "m", "d").key() != a.key());
    }

    void roundTrip() {
        const fs::path path = file("round.h5");
        {
            auto store = ResultsStore::open(path);
            QVERIFY(fs::exists(path));
            QVERIFY(!store->readOnly());
            QCOMPARE(store->fileSchemaVersion(), 1);
            QVERIFY(store->list().empty());
            store->put(similarity("cka_linear", 17));
            store->put(importance());
            store->put(calibration());
            store->put(similarity("cka_rbf", 5));
        }
        const std::vector<StoredResult> expected = {similarity("cka_linear", 17), importance(),
                                                    calibration(), similarity("cka_rbf", 5)};
        auto store = ResultsStore::open(path, false);
        const std::vector<ResultMeta> listed = store->list();
        QCOMPARE(listed.size(), expected.size());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(listed[i].key(), expected[i].meta.key());  // creation order
            QCOMPARE(listed[i].toolVersion, std::string(LAMINA_VERSION));
            QCOMPARE(listed[i].schemaVersion, 1);
            const QString created = QString::fromStdString(listed[i].created);
            QVERIFY2(created.endsWith('Z'), qPrintable(created));
            const QDateTime when = QDateTime::fromString(created, Qt::ISODate);
            QVERIFY2(when.isValid(), qPrintable(created));
            QVERIFY(std::abs(when.secsTo(now)) < 600);

            std::optional<StoredResult> found = store->find(makeMeta(
                expected[i].meta.kind, expected[i].meta.method, expected[i].meta.parameters,
                expected[i].meta.modelFingerprint, expected[i].meta.datasetFingerprint));
            QVERIFY(found.has_value());
            QVERIFY2(resultDifference(expected[i], *found).empty(),
                     resultDifference(expected[i], *found).c_str());
            QCOMPARE(found->meta.created, listed[i].created);
            const StoredResult loaded = store->load(expected[i].meta.key());
            QVERIFY2(resultDifference(expected[i], loaded).empty(),
                     resultDifference(expected[i], loaded).c_str());
        }
    }

    void findAndLoadMisses() {
        const fs::path path = file("misses.h5");
        auto store = ResultsStore::open(path);
        store->put(similarity("cka_linear", 4));
        QVERIFY(!store->find(makeMeta("similarity", "cka_linear", "{\"layers\":5}")));
        QVERIFY(!store->find(makeMeta("nothing", "cka_linear", "{\"layers\":4}")));
        QVERIFY(!store->find(makeMeta("a/b", "x", "{}")));
        QVERIFY(!store->find(makeMeta("", "x", "{}")));
        expectError([&] { store->load("0123456789abcdef"); },
                    {path.string(), "no result 0123456789abcdef"});
    }

    // Same key: the new result replaces the old one and moves to the end of the list; the
    // file is rebuilt, so repeated replacing does not grow it.
    void replaceSameKey() {
        const fs::path path = file("replace.h5");
        auto store = ResultsStore::open(path);
        store->put(large("a", 200, 1));
        store->put(similarity("cka_linear", 6));
        const auto sizeWithTwo = fs::file_size(path);
        for (uint64_t round = 2; round < 6; ++round) store->put(large("a", 200, round));
        const std::vector<ResultMeta> listed = store->list();
        QCOMPARE(listed.size(), std::size_t{2});
        QCOMPARE(listed[0].method, std::string("cka_linear"));
        QCOMPARE(listed[1].method, std::string("a"));
        const StoredResult loaded = store->load(large("a", 200, 5).meta.key());
        QVERIFY(resultDifference(large("a", 200, 5), loaded).empty());
        QVERIFY2(fs::file_size(path) < sizeWithTwo * 11 / 10,
                 qPrintable(QStringLiteral("%1 -> %2").arg(sizeWithTwo).arg(fs::file_size(path))));
    }

    // Every dataset carries the provenance attributes of its group; small datasets are
    // contiguous, large ones chunked and deflated; strings are variable-length UTF-8.
    void layoutSeenByPlainHdf5() {
        const fs::path path = file("layout.h5");
        {
            auto store = ResultsStore::open(path);
            store->put(similarity("cka_linear", 17));
            store->put(importance());
            store->put(large("big", 120, 7));  // 120*120*8 = 115 KB > 64 KB
        }
        const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        QVERIFY(f >= 0);
        QCOMPARE(rawInt(f, "lamina_schema_version"), int64_t{1});
        QCOMPARE(rawString(f, "lamina_tool_version"), std::string(LAMINA_VERSION));
        const char* provenance[] = {
            "kind",         "method", "parameters", "model_fingerprint", "dataset_fingerprint",
            "tool_version", "created"};
        int datasets = 0;
        for (const StoredResult& r :
             {similarity("cka_linear", 17), importance(), large("big", 120, 7)}) {
            const std::string groupPath = "/" + r.meta.kind + "/" + r.meta.key();
            const hid_t g = H5Gopen2(f, groupPath.c_str(), H5P_DEFAULT);
            QVERIFY2(g >= 0, groupPath.c_str());
            QCOMPARE(rawString(g, "method"), r.meta.method);
            QCOMPARE(rawString(g, "parameters"), r.meta.parameters);
            QCOMPARE(rawInt(g, "schema_version"), int64_t{1});
            for (const auto& [name, value] : r.attributes)
                QCOMPARE(rawString(g, ("attr:" + name).c_str()), value);
            const std::vector<std::string> members = rawMembers(g);
            QCOMPARE(members.size(), r.doubles.size() + r.ints.size() + r.strings.size());
            for (const std::string& name : members) {
                const hid_t d = H5Dopen2(g, name.c_str(), H5P_DEFAULT);
                QVERIFY(d >= 0);
                for (const char* attr : provenance)
                    QVERIFY2(rawString(d, attr) == rawString(g, attr),
                             qPrintable(QString::fromStdString(groupPath + "/" + name + " " + attr +
                                                               " = " + rawString(d, attr))));
                QCOMPARE(rawInt(d, "schema_version"), int64_t{1});
                const hid_t type = H5Dget_type(d);
                if (H5Tget_class(type) == H5T_STRING) {
                    QVERIFY(H5Tis_variable_str(type) > 0);
                    QCOMPARE(H5Tget_cset(type), H5T_CSET_UTF8);
                }
                const hid_t dcpl = H5Dget_create_plist(d);
                const bool isBig = name == "big";
                QCOMPARE(H5Pget_layout(dcpl), isBig ? H5D_CHUNKED : H5D_CONTIGUOUS);
                if (isBig) {
                    bool deflate = false;
                    for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
                        unsigned flags = 0, level = 0;
                        size_t n = 1;
                        deflate |=
                            H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &n, &level, 0,
                                           nullptr, nullptr) == H5Z_FILTER_DEFLATE &&
                            level == 4;
                    }
                    QVERIFY(deflate);
                }
                H5Pclose(dcpl);
                H5Tclose(type);
                H5Dclose(d);
                ++datasets;
            }
            H5Gclose(g);
        }
        H5Fclose(f);
        QCOMPARE(datasets, 2 + 6 + 2);
    }

    void newerSchemaOpensReadOnly() {
        const fs::path path = file("newer.h5");
        rawSchemaFile(path, true, 2, false);
        const std::string before = bytesOf(path);
        auto store = ResultsStore::open(path);
        QVERIFY(store->readOnly());
        QCOMPARE(store->fileSchemaVersion(), 2);
        const std::string reason = path.string() +
                                   " was written by a newer Lamina (results schema 2; this "
                                   "build reads up to 1): opened read-only";
        QCOMPARE(store->readOnlyReason(), reason);
        QVERIFY(store->list().empty());
        expectError([&] { store->put(similarity("cka_linear", 3)); }, {reason});
        QVERIFY(bytesOf(path) == before);
    }

    void damagedFilesThrow_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("message");
        const QString unreadable =
            QStringLiteral("not a readable HDF5 file (corrupt or truncated)");
        QTest::newRow("truncated to 100 bytes") << "cut100" << unreadable;
        QTest::newRow("truncated to half") << "cutHalf" << unreadable;
        QTest::newRow("last byte missing") << "cutLast" << unreadable;
        QTest::newRow("random bytes") << "random" << unreadable;
        QTest::newRow("empty file") << "empty" << unreadable;
        QTest::newRow("plain HDF5")
            << "plain"
            << "not a Lamina results file (no lamina_schema_version attribute)";
        QTest::newRow("string schema attribute")
            << "stringSchema"
            << "not a Lamina results file (attribute 'lamina_schema_version' "
               "is not an integer)";
        QTest::newRow("schema 0") << "schema0"
                                  << "not a Lamina results file (lamina_schema_version is 0)";
        QTest::newRow("a directory") << "directory"
                                     << "not a regular file";
    }

    void damagedFilesThrow() {
        QFETCH(QString, damage);
        QFETCH(QString, message);
        const fs::path path = file(qPrintable("damaged-" + damage + ".h5"));
        const fs::path valid = file("valid-source.h5");
        if (!fs::exists(valid)) {
            auto store = ResultsStore::open(valid);
            store->put(similarity("cka_linear", 17));
            store->put(large("big", 120, 3));
        }
        const std::string good = bytesOf(valid);
        std::mt19937_64 rng(42);
        if (damage == "cut100") writeBytes(path, good.substr(0, 100));
        if (damage == "cutHalf") writeBytes(path, good.substr(0, good.size() / 2));
        if (damage == "cutLast") writeBytes(path, good.substr(0, good.size() - 1));
        if (damage == "random") {
            std::string noise(8192, '\0');
            for (char& c : noise) c = static_cast<char>(rng());
            writeBytes(path, noise);
        }
        if (damage == "empty") writeBytes(path, "");
        if (damage == "plain") rawSchemaFile(path, false, 0, false);
        if (damage == "stringSchema") rawSchemaFile(path, true, 0, true);
        if (damage == "schema0") rawSchemaFile(path, true, 0, false);
        if (damage == "directory") fs::create_directory(path);
        const std::string before = fs::is_directory(path) ? "" : bytesOf(path);
        expectError([&] { ResultsStore::open(path, false); },
                    {path.string() + ": " + message.toStdString()});
        // create=true must not replace a damaged file either.
        expectError([&] { ResultsStore::open(path, true); }, {path.string()});
        if (!fs::is_directory(path)) QVERIFY(bytesOf(path) == before);
    }

    // Found by fuzz_results_store: libhdf5 1.10 loops forever on a global heap (where the
    // variable-length string attributes live) whose free-space entry has size 0 (`lamina-cli
    // show` hung), and parses an object claiming more bytes than its collection holds without
    // complaint (the strings then read as garbage). The store refuses both up front.
    void corruptGlobalHeap_data() {
        QTest::addColumn<QString>("damage");
        QTest::newRow("free space of size 0") << "freeZero";
        QTest::newRow("object past the end") << "objectPastEnd";
    }

    void corruptGlobalHeap() {
        QFETCH(QString, damage);
        const fs::path path = file(qPrintable("heap-" + damage + ".h5"));
        ResultsStore::open(path)->put(similarity("cka_linear", 5));
        std::string bytes = bytesOf(path);
        // The collection ("GCOL", version 1, 3 reserved, 8-byte size), then objects (2-byte
        // index, 2-byte refs, 4 reserved, 8-byte size, data padded to 8); index 0 is the free
        // space closing the collection, its size covering its own header.
        const std::size_t at = bytes.find("GCOL");
        QVERIFY(at != std::string::npos);
        const auto u64 = [&](std::size_t p) {
            uint64_t v = 0;
            std::memcpy(&v, bytes.data() + p, 8);
            return v;
        };
        const std::size_t end = at + u64(at + 8);
        std::size_t p = at + 16;
        std::size_t firstObject = 0, freeSpace = 0;
        while (p + 16 <= end) {
            const int index = static_cast<unsigned char>(bytes[p]) |
                              static_cast<unsigned char>(bytes[p + 1]) << 8;
            if (index == 0) {
                freeSpace = p;
                break;
            }
            if (firstObject == 0) firstObject = p;
            p += 16 + (u64(p + 8) + 7) / 8 * 8;
        }
        QVERIFY(firstObject != 0 && freeSpace != 0);
        const uint64_t size = damage == "freeZero" ? 0 : uint64_t{1} << 40;
        std::memcpy(bytes.data() + (damage == "freeZero" ? freeSpace : firstObject) + 8, &size, 8);
        writeBytes(path, bytes);
        const auto start = std::chrono::steady_clock::now();
        expectError([&] { ResultsStore::open(path, false)->list(); },
                    {path.string() + ": not a readable HDF5 file (corrupt global heap at byte " +
                     std::to_string(at)});
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }

    void missingFile() {
        const fs::path path = file("missing.h5");
        expectError([&] { ResultsStore::open(path, false); },
                    {path.string(), "no such results file"});
        QVERIFY(!fs::exists(path));
        const fs::path nowhere = file("no-such-dir/store.h5");
        expectError([&] { ResultsStore::open(nowhere); },
                    {nowhere.string(), "cannot create results file"});
    }

    // Files edited by hand or by another tool: errors naming the file and result, no crash.
    void hostileContent_data() {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("message");
        QTest::newRow("compound dataset") << "compound"
                                          << "is not float, integer or string";
        QTest::newRow("2-D strings") << "strings2d"
                                     << "is not one-dimensional";
        QTest::newRow("huge claimed size") << "huge"
                                           << "claims 8589934592 elements";
        QTest::newRow("method not a string") << "intMethod"
                                             << "'method' is not a string";
        QTest::newRow("group is not a dataset") << "subgroup"
                                                << "is not a dataset";
        QTest::newRow("key mismatch") << "rename"
                                      << "group name is not the key";
    }

    void hostileContent() {
        QFETCH(QString, edit);
        QFETCH(QString, message);
        const fs::path path = file(qPrintable("hostile-" + edit + ".h5"));
        const StoredResult r = similarity("cka_linear", 4);
        ResultsStore::open(path)->put(r);
        std::string key = r.meta.key();
        const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        const hid_t g = H5Gopen2(f, ("/similarity/" + key).c_str(), H5P_DEFAULT);
        QVERIFY(g >= 0);
        if (edit == "compound" || edit == "strings2d" || edit == "huge") {
            hsize_t dims[2] = {2, 2};
            hid_t type = H5Tcopy(H5T_NATIVE_DOUBLE);
            hid_t space = H5Screate_simple(2, dims, nullptr);
            hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
            if (edit == "compound") {
                H5Tclose(type);
                type = H5Tcreate(H5T_COMPOUND, 16);
                H5Tinsert(type, "a", 0, H5T_NATIVE_DOUBLE);
                H5Tinsert(type, "b", 8, H5T_NATIVE_DOUBLE);
            } else if (edit == "strings2d") {
                H5Tclose(type);
                type = H5Tcopy(H5T_C_S1);
                H5Tset_size(type, H5T_VARIABLE);
            } else {
                H5Sclose(space);
                hsize_t huge[1] = {hsize_t{1} << 33};
                hsize_t chunk[1] = {1 << 16};
                space = H5Screate_simple(1, huge, nullptr);
                H5Pset_chunk(dcpl, 1, chunk);
            }
            const hid_t d = H5Dcreate2(g, "weird", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            QVERIFY(d >= 0);
            H5Dclose(d);
            H5Pclose(dcpl);
            H5Sclose(space);
            H5Tclose(type);
        } else if (edit == "intMethod") {
            H5Adelete(g, "method");
            const hid_t space = H5Screate(H5S_SCALAR);
            const hid_t a = H5Acreate2(g, "method", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
            const int value = 7;
            H5Awrite(a, H5T_NATIVE_INT, &value);
            H5Aclose(a);
            H5Sclose(space);
        } else if (edit == "subgroup") {
            H5Gclose(H5Gcreate2(g, "nested", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        } else if (edit == "rename") {
            const hid_t kind = H5Gopen2(f, "/similarity", H5P_DEFAULT);
            H5Lmove(kind, key.c_str(), kind, "0000000000000000", H5P_DEFAULT, H5P_DEFAULT);
            H5Gclose(kind);
            key = "0000000000000000";
        }
        H5Gclose(g);
        H5Fclose(f);
        auto store = ResultsStore::open(path, false);
        const std::vector<std::string> needles = {path.string(), "similarity/" + key,
                                                  message.toStdString()};
        auto expectIt = [&](auto fn) {
            try {
                fn();
            } catch (const Error& e) {
                for (const std::string& n : needles)
                    QVERIFY2(std::string(e.what()).find(n) != std::string::npos, e.what());
                return;
            }
            QFAIL("no lamina::Error thrown");
        };
        if (edit == "intMethod" || edit == "rename") expectIt([&] { store->list(); });
        expectIt([&] { store->load(key); });
    }

    // Results files found by fuzz_results_store that crash libhdf5 1.10 (SIGSEGV in
    // H5HG_read and attribute decoding) or make it allocate and touch 0.3-1.9 GB: each is refused
    // with a clear error by the checking child process, and this process survives.
    void libhdf5CrashesAreContained_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("why");
        QTest::newRow("segv 044c87") << "libhdf5-segv-044c87.h5" << "crashed the HDF5 library";
        QTest::newRow("segv e1edd9") << "libhdf5-segv-e1edd9.h5" << "crashed the HDF5 library";
        QTest::newRow("segv e7a212") << "libhdf5-segv-e7a212.h5" << "crashed the HDF5 library";
        QTest::newRow("1.9 GB vlen") << "libhdf5-2gb-4db824.h5" << "MiB of memory";
        QTest::newRow("330 MB, 5 s") << "libhdf5-330mb-34debe.h5" << "MiB of memory";
    }

    void libhdf5CrashesAreContained() {
        QFETCH(QString, name);
        QFETCH(QString, why);
        const fs::path source = fs::path(LAMINA_STORE_TEST_DATA) / name.toStdString();
        QVERIFY2(fs::exists(source), source.c_str());
        const fs::path path = file(qPrintable(name));
        fs::copy_file(source, path, fs::copy_options::overwrite_existing);
        const std::string before = bytesOf(path);
        QElapsedTimer timer;
        timer.start();
        expectError([&] { ResultsStore::open(path, false)->list(); },
                    {path.string() + ": not a readable results file", why.toStdString(),
                     "nothing was loaded"});
        QVERIFY2(timer.elapsed() < 20'000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(bytesOf(path) == before);
        // A refused file stays refused (never marked safe), and put() refuses it too.
        expectError([&] { ResultsStore::open(path, false); }, {why.toStdString()});
        expectError([&] { ResultsStore::open(path, true)->put(similarity("cka_linear", 2)); },
                    {why.toStdString()});
        QVERIFY(bytesOf(path) == before);
    }

    // Bad input is refused before anything is written; the file stays as it was.
    void badInputLeavesFileAlone_data() {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("message");
        QTest::newRow("shape mismatch") << 0 << "shape holds 6 elements but 5 values";
        QTest::newRow("slash in dataset name") << 1 << "name 'a/b'";
        QTest::newRow("name used twice") << 2 << "'x' is used twice";
        QTest::newRow("NUL in a string") << 3 << "contains a NUL byte";
        QTest::newRow("slash in kind") << 4 << "kind name 'sim/ilarity'";
        QTest::newRow("negative dimension") << 5 << "negative dimension";
    }

    void badInputLeavesFileAlone() {
        QFETCH(int, which);
        QFETCH(QString, message);
        const fs::path path = file(qPrintable(QStringLiteral("bad-input-%1.h5").arg(which)));
        auto store = ResultsStore::open(path);
        store->put(similarity("cka_linear", 3));
        const std::string before = bytesOf(path);
        StoredResult r = similarity("other", 3);
        if (which == 0) r.doubles["m2"] = {{2, 3}, {1, 2, 3, 4, 5}};
        if (which == 1) r.doubles["a/b"] = {{1}, {1}};
        if (which == 2) {
            r.doubles["x"] = {{1}, {1}};
            r.ints["x"] = {{1}, {1}};
        }
        if (which == 3) r.strings["labels"].push_back(std::string("a\0b", 3));
        if (which == 4) r.meta.kind = "sim/ilarity";
        if (which == 5) r.doubles["neg"] = {{-1}, {}};
        expectError(
            [&] { store->put(r); },
            {path.string() + ": cannot write result " + r.meta.key(), message.toStdString()});
        QVERIFY(bytesOf(path) == before);
        QCOMPARE(store->list().size(), std::size_t{1});
        QVERIFY(QDir(mDir.path()).entryList({"*.tmp-*"}).isEmpty());
    }

    // Worker threads share one store: puts and reads are serialized, none is lost.
    void threadsShareOneStore() {
        const fs::path path = file("threads.h5");
        auto store = ResultsStore::open(path);
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                try {
                    for (int i = 0; i < 5; ++i) {
                        store->put(similarity("thread" + std::to_string(t), 3 + i));
                        store->list();
                    }
                } catch (const std::exception&) {
                    ++failures;
                }
            });
        for (std::thread& t : threads) t.join();
        QCOMPARE(failures.load(), 0);
        QCOMPARE(store->list().size(), std::size_t{20});
        for (int t = 0; t < 4; ++t)
            for (int i = 0; i < 5; ++i)
                QVERIFY(store->find(similarity("thread" + std::to_string(t), 3 + i).meta));
    }

    // Not a benchmark gate: prints what a put and a find cost on this machine.
    void timings() {
        const fs::path path = file("timings.h5");
        auto store = ResultsStore::open(path);
        for (int i = 0; i < 20; ++i) store->put(similarity("method" + std::to_string(i), 17));
        using Clock = std::chrono::steady_clock;
        double putMs = 0, findMs = 0;
        const int rounds = 5;
        for (int round = 0; round < rounds; ++round) {
            const StoredResult r = similarity("timed" + std::to_string(round), 17);
            const auto t0 = Clock::now();
            store->put(r);
            const auto t1 = Clock::now();
            const std::optional<StoredResult> found = store->find(r.meta);
            const auto t2 = Clock::now();
            QVERIFY(found && resultDifference(r, *found).empty());
            putMs += std::chrono::duration<double, std::milli>(t1 - t0).count() / rounds;
            findMs += std::chrono::duration<double, std::milli>(t2 - t1).count() / rounds;
        }
        qInfo("store of ~20 results (%lld bytes): put 17x17 %.2f ms, find %.2f ms (mean of %d)",
              static_cast<long long>(fs::file_size(path)), putMs, findMs, rounds);
        QCOMPARE(keysOf(store->list()).size(), std::size_t{20 + rounds});
    }
};

QTEST_GUILESS_MAIN(TestResultsStore)
#include "test_results_store.moc"
