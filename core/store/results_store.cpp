#include "store/results_store.h"

#include <algorithm>
#include <ctime>
#include <new>
#include <system_error>
#include <tuple>

#include "common/error.h"
#include "store/child_check.h"
#include "store/file_lock.h"
#include "store/file_ops.h"
#include "store/hdf5_handles.h"
#include "store/result_group.h"
#include "store/store_file.h"
#include "store/temp_file.h"

namespace lamina {

namespace fs = std::filesystem;
using store::ResultLocation;

struct ResultsStore::Impl {
    fs::path path;
    std::string readOnlyReason;
    int schemaVersion = 0;
};

namespace {

std::string nowIso8601() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

fs::path lockPath(const fs::path& path) {
    fs::path lock = path;
    lock += ".lock";
    return lock;
}

bool fileExists(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

std::string resultError(const fs::path& path, const ResultLocation& at, const char* what) {
    return path.string() + ": cannot read result " + at.kind + "/" + at.key + ": " + what;
}

std::vector<ResultLocation> locationsOf(hid_t file, const fs::path& path) {
    try {
        return store::resultLocations(file);
    } catch (const Error& e) {
        throw Error(path.string() + ": cannot list results: " + e.what());
    }
}

// Runs `read` on the group `/<kind>/<key>`, naming the file and result in any error.
template <typename T, typename Read>
T readAt(hid_t file, const fs::path& path, const ResultLocation& at, Read read) {
    try {
        h5::Group kindGroup(
            h5::checkId(H5Gopen2(file, at.kind.c_str(), H5P_DEFAULT), "cannot open group"));
        h5::Group group(h5::checkId(H5Gopen2(kindGroup.get(), at.key.c_str(), H5P_DEFAULT),
                                    "cannot open group"));
        return read(group.get());
    } catch (const Error& e) {
        throw Error(resultError(path, at, e.what()));
    } catch (const std::bad_alloc&) {
        throw Error(resultError(path, at, "out of memory (hostile dataset size?)"));
    }
}

StoredResult loadAt(hid_t file, const fs::path& path, const ResultLocation& at) {
    StoredResult result = readAt<StoredResult>(
        file, path, at, [&](hid_t group) { return store::readResultGroup(group, at.key); });
    if (result.meta.kind != at.kind)
        throw Error(resultError(path, at, "its kind attribute names another group"));
    return result;
}

// Opens `path` for reading after a child process has read all of it once (child_check.h).
h5::File openChecked(const fs::path& path) {
    store::readInChildOnce(path, [&path] {
        h5::File file = store::openReadOnly(path);
        store::schemaVersionOf(file.get(), path);
        // Every read the store makes — list()'s metadata, find()'s lookup, load()'s records —
        // on every result, going on past clean errors: the parent may read the others.
        auto attempt = [](auto fn) {
            try {
                fn();
            } catch (const Error& e) {
                if (store::isAllocationFailure(e)) throw;
            }
        };
        for (const ResultLocation& at : locationsOf(file.get(), path)) {
            attempt([&] {
                int64_t sequence = 0;
                readAt<ResultMeta>(file.get(), path, at, [&](hid_t group) {
                    return store::readResultMeta(group, at.key, sequence);
                });
            });
            attempt([&] { store::hasResult(file.get(), at.kind, at.key); });
            attempt([&] { loadAt(file.get(), path, at); });
        }
    });
    return store::openReadOnly(path);
}

// Adds `result` to the writable `file` with the next sequence number.
void appendResult(hid_t file, const StoredResult& result) {
    const int64_t sequence = store::maxSequence(file) + 1;
    h5::Group kindGroup = store::openOrCreateKindGroup(file, result.meta.kind);
    store::writeResultGroup(kindGroup.get(), result, sequence);
}

// The new content of `path` with `result` added, built in memory (see createInMemory).
// Adding starts from the file's bytes; replacing rebuilds it without the old group, so
// replaced results leave no dead space behind.
std::vector<char> newVersion(const fs::path& path, const fs::path& temp,
                             const StoredResult& result) {
    if (!fileExists(path)) {
        h5::File out = store::createInMemory(temp);
        appendResult(out.get(), result);
        return store::closeToImage(out, temp);
    }
    h5::File current = openChecked(path);
    const int64_t version = store::schemaVersionOf(current.get(), path);
    if (version > ResultsStore::kSchemaVersion)
        throw Error(store::newerSchemaMessage(path, version));
    if (!store::hasResult(current.get(), result.meta.kind, result.meta.key())) {
        current.reset();
        h5::File out = store::openInMemory(temp, store::readFile(path));
        store::stampToolVersion(out.get());
        appendResult(out.get(), result);
        return store::closeToImage(out, temp);
    }
    h5::File out = store::createInMemory(temp);
    store::copyResultsExcept(current.get(), out.get(), result.meta.kind, result.meta.key());
    appendResult(out.get(), result);
    return store::closeToImage(out, temp);
}

// Publishes an empty store at `path` (temporary file + rename, like every write).
void createEmptyStore(const fs::path& path) {
    try {
        store::FileLock fileLock(lockPath(path));
        h5::Lock lock;
        if (fileExists(path)) return;  // another process created it meanwhile
        store::TempFile temp(path);
        h5::File out = store::createInMemory(temp.path());
        store::writeNewFile(temp.path(), store::closeToImage(out, temp.path()), path);
        store::replaceFile(temp.path(), path);
        temp.commit();
        store::trustFile(path);
    } catch (const Error& e) {
        throw Error(path.string() + ": cannot create results file: " + e.what());
    }
}

}  // namespace

std::shared_ptr<ResultsStore> ResultsStore::open(const fs::path& path, bool create) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    if (!fileExists(path)) {
        if (!create) throw Error(path.string() + ": no such results file");
        createEmptyStore(path);
    }
    h5::Lock lock;
    h5::File file = openChecked(path);
    const int64_t version = store::schemaVersionOf(file.get(), path);
    impl->schemaVersion = static_cast<int>(std::min<int64_t>(version, 1'000'000));
    if (version > kSchemaVersion) impl->readOnlyReason = store::newerSchemaMessage(path, version);
    return std::shared_ptr<ResultsStore>(new ResultsStore(std::move(impl)));
}

ResultsStore::ResultsStore(std::unique_ptr<Impl> impl) : mImpl(std::move(impl)) {}
ResultsStore::~ResultsStore() = default;

const fs::path& ResultsStore::path() const { return mImpl->path; }
bool ResultsStore::readOnly() const { return !mImpl->readOnlyReason.empty(); }
std::string ResultsStore::readOnlyReason() const { return mImpl->readOnlyReason; }
int ResultsStore::fileSchemaVersion() const { return mImpl->schemaVersion; }

std::vector<ResultMeta> ResultsStore::list() const {
    h5::Lock lock;
    h5::File file = openChecked(mImpl->path);
    std::vector<std::tuple<int64_t, std::string, std::string, ResultMeta>> rows;
    for (const ResultLocation& at : locationsOf(file.get(), mImpl->path)) {
        int64_t sequence = 0;
        ResultMeta meta = readAt<ResultMeta>(file.get(), mImpl->path, at, [&](hid_t group) {
            return store::readResultMeta(group, at.key, sequence);
        });
        rows.emplace_back(sequence, meta.created, at.key, std::move(meta));
    }
    // Creation order: the sequence number, then time and key for files without one.
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
               std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
    });
    std::vector<ResultMeta> metas;
    for (auto& row : rows) metas.push_back(std::move(std::get<3>(row)));
    return metas;
}

std::optional<StoredResult> ResultsStore::find(const ResultMeta& query) const {
    try {
        store::checkLinkName(query.kind, "kind");
    } catch (const Error&) {
        return std::nullopt;  // no stored result can have this kind
    }
    const ResultLocation at{query.kind, query.key()};
    h5::Lock lock;
    h5::File file = openChecked(mImpl->path);
    bool present = false;
    try {
        present = store::hasResult(file.get(), at.kind, at.key);
    } catch (const Error& e) {
        throw Error(resultError(mImpl->path, at, e.what()));
    }
    if (!present) return std::nullopt;
    return loadAt(file.get(), mImpl->path, at);
}

StoredResult ResultsStore::load(const std::string& key) const {
    h5::Lock lock;
    h5::File file = openChecked(mImpl->path);
    for (const ResultLocation& at : locationsOf(file.get(), mImpl->path))
        if (at.key == key) return loadAt(file.get(), mImpl->path, at);
    throw Error(mImpl->path.string() + ": no result " + key);
}

void ResultsStore::put(StoredResult result) {
    if (readOnly()) throw Error(mImpl->readOnlyReason);
    ResultMeta& meta = result.meta;
    meta.toolVersion = LAMINA_VERSION;
    meta.created = nowIso8601();
    meta.schemaVersion = kSchemaVersion;
    const fs::path& path = mImpl->path;
    try {
        store::checkLinkName(meta.kind, "kind");
        // The file lock before the HDF5 lock (here and in createEmptyStore): waiting for
        // another process's write must not block this process's readers.
        store::FileLock fileLock(lockPath(path));
        h5::Lock lock;
        store::removeStaleTempFiles(path);
        store::TempFile temp(path);  // removed on failure, before the lock is released
        store::writeNewFile(temp.path(), newVersion(path, temp.path(), result), path);
        store::replaceFile(temp.path(), path);
        temp.commit();
        store::trustFile(path);
    } catch (const Error& e) {
        throw Error(path.string() + ": cannot write result " + meta.key() + ": " + e.what());
    } catch (const std::bad_alloc&) {
        throw Error(path.string() + ": cannot write result " + meta.key() + ": out of memory");
    }
}

}  // namespace lamina
