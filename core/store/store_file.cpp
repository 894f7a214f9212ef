#include "store/store_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/mapped_file.h"
#include "store/global_heap_check.h"
#include "store/hdf5_attributes.h"
#include "store/results_store.h"

namespace lamina::store {

namespace {

constexpr const char* kSchemaAttr = "lamina_schema_version";
constexpr const char* kToolAttr = "lamina_tool_version";

std::vector<std::string> kindNames(hid_t file) {
    std::vector<std::string> kinds;
    for (const std::string& name : h5::hardLinkNames(file)) {
        H5I_type_t type = H5I_BADID;
        h5::openObject(file, name, type);
        if (type == H5I_GROUP) kinds.push_back(name);  // other root objects are not ours
    }
    return kinds;
}

// In-memory files (core driver without backing store) growing in steps of a quarter of
// their size, at least 1 MiB, so appending to a large file reallocates only a few times.
h5::PropList memoryAccess(size_t imageBytes) {
    h5::PropList fapl = h5::fileAccess();
    const size_t increment = std::max<size_t>(size_t{1} << 20, imageBytes / 4);
    h5::checkStatus(H5Pset_fapl_core(fapl.get(), increment, false),
                    "cannot set the in-memory driver");
    return fapl;
}

h5::Group openGroup(hid_t parent, const std::string& name) {
    return h5::Group(h5::checkId(H5Gopen2(parent, name.c_str(), H5P_DEFAULT),
                                 "cannot open group '" + name + "'"));
}

}  // namespace

h5::File openReadOnly(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw Error(path.string() + ": cannot open results file: " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw Error(path.string() + ": not a regular file");
    {
        const auto bytes = MappedFile::open(path);  // libhdf5 1.10 hangs on some corrupt heaps
        checkGlobalHeaps(reinterpret_cast<const char*>(bytes->data()), bytes->size(),
                         path.string());
    }
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, h5::fileAccess().get());
    if (id < 0) throw Error(path.string() + ": not a readable HDF5 file (corrupt or truncated)");
    return h5::File(id);
}

h5::File createInMemory(const std::filesystem::path& name) {
    h5::PropList fapl = memoryAccess(0);
    h5::File file(h5::checkId(H5Fcreate(name.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()),
                              "cannot create an HDF5 file in memory"));
    h5::writeInt(file.get(), kSchemaAttr, ResultsStore::kSchemaVersion, H5T_STD_I32LE);
    h5::writeString(file.get(), kToolAttr, LAMINA_VERSION);
    return file;
}

h5::File openInMemory(const std::filesystem::path& name, std::vector<char> image) {
    checkGlobalHeaps(image.data(), image.size(), name.string());
    h5::PropList fapl = memoryAccess(image.size());
    // The property list keeps its own copy of the image and the driver another while
    // opening; free ours first so the peak stays at about twice the file size.
    h5::checkStatus(H5Pset_file_image(fapl.get(), image.data(), image.size()),
                    "cannot load the file into memory");
    std::vector<char>().swap(image);
    return h5::File(h5::checkId(H5Fopen(name.c_str(), H5F_ACC_RDWR, fapl.get()),
                                "cannot open the in-memory copy"));
}

std::vector<char> closeToImage(h5::File& file, const std::filesystem::path& name) {
    const std::string what = "cannot build " + name.string();
    // H5Fget_file_image copies the driver's memory as is: flush metadata into it first.
    h5::checkStatus(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), what);
    const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
    if (size < 0) throw Error(what + ": " + h5::errorText());
    std::vector<char> image(static_cast<size_t>(size));
    if (H5Fget_file_image(file.get(), image.data(), image.size()) != size)
        throw Error(what + ": " + h5::errorText());
    if (!file.close()) throw Error(what + ": " + h5::errorText());
    return image;
}

int64_t schemaVersionOf(hid_t file, const std::filesystem::path& path) {
    const std::string notOurs = path.string() + ": not a Lamina results file";
    std::optional<int64_t> version;
    try {
        version = h5::readInt(file, kSchemaAttr);
    } catch (const Error& e) {
        throw Error(notOurs + " (" + e.what() + ")");
    }
    if (!version) throw Error(notOurs + " (no lamina_schema_version attribute)");
    if (*version < 1)
        throw Error(notOurs + " (lamina_schema_version is " + std::to_string(*version) + ")");
    return *version;
}

std::string newerSchemaMessage(const std::filesystem::path& path, int64_t version) {
    return path.string() + " was written by a newer Lamina (results schema " +
           std::to_string(version) + "; this build reads up to " +
           std::to_string(ResultsStore::kSchemaVersion) + "): opened read-only";
}

void stampToolVersion(hid_t file) {
    if (h5::readString(file, kToolAttr) != std::optional<std::string>(LAMINA_VERSION))
        h5::writeString(file, kToolAttr, LAMINA_VERSION);
}

std::vector<ResultLocation> resultLocations(hid_t file) {
    std::vector<ResultLocation> locations;
    for (const std::string& kind : kindNames(file)) {
        h5::Group group = openGroup(file, kind);
        for (const std::string& key : h5::hardLinkNames(group.get()))
            locations.push_back({kind, key});
    }
    return locations;
}

bool hasResult(hid_t file, const std::string& kind, const std::string& key) {
    if (!h5::hasHardLink(file, kind)) return false;
    H5I_type_t type = H5I_BADID;
    h5::Object group = h5::openObject(file, kind, type);
    return type == H5I_GROUP && h5::hasHardLink(group.get(), key);
}

int64_t maxSequence(hid_t file) {
    int64_t highest = 0;
    for (const ResultLocation& at : resultLocations(file)) {
        h5::Group kindGroup = openGroup(file, at.kind);
        h5::Group group = openGroup(kindGroup.get(), at.key);
        highest = std::max(highest, h5::readInt(group.get(), "sequence").value_or(0));
    }
    return highest;
}

void copyResultsExcept(hid_t from, hid_t to, const std::string& kind, const std::string& key) {
    for (const ResultLocation& at : resultLocations(from)) {
        if (at.kind == kind && at.key == key) continue;
        h5::Group source = openGroup(from, at.kind);
        h5::Group target = openOrCreateKindGroup(to, at.kind);
        h5::checkStatus(H5Ocopy(source.get(), at.key.c_str(), target.get(), at.key.c_str(),
                                H5P_DEFAULT, H5P_DEFAULT),
                        "cannot copy result " + at.kind + "/" + at.key);
    }
}

h5::Group openOrCreateKindGroup(hid_t file, const std::string& kind) {
    if (h5::hasHardLink(file, kind)) return openGroup(file, kind);
    return h5::Group(
        h5::checkId(H5Gcreate2(file, kind.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    "cannot create group '" + kind + "'"));
}

}  // namespace lamina::store
