#include "store/result_group.h"

#include <set>

#include "common/error.h"
#include "store/hdf5_arrays.h"
#include "store/hdf5_attributes.h"
#include "store/hdf5_handles.h"

namespace lamina::store {

namespace {

constexpr const char* kAttrPrefix = "attr:";

// The provenance attributes, on the result group and on every one of its datasets.
void writeProvenance(hid_t object, const ResultMeta& meta) {
    h5::writeString(object, "kind", meta.kind);
    h5::writeString(object, "method", meta.method);
    h5::writeString(object, "parameters", meta.parameters);
    h5::writeString(object, "model_fingerprint", meta.modelFingerprint);
    h5::writeString(object, "dataset_fingerprint", meta.datasetFingerprint);
    h5::writeString(object, "tool_version", meta.toolVersion);
    h5::writeString(object, "created", meta.created);
    h5::writeInt(object, "schema_version", meta.schemaVersion, H5T_STD_I32LE);
}

std::string requireString(hid_t object, const char* name) {
    std::optional<std::string> value = h5::readString(object, name);
    if (!value) throw Error(std::string("missing attribute '") + name + "'");
    return *value;
}

void checkNames(const StoredResult& result) {
    std::set<std::string> names;
    auto add = [&](const std::string& name) {
        checkLinkName(name, "dataset");
        if (!names.insert(name).second) throw Error("dataset name '" + name + "' is used twice");
    };
    for (const auto& entry : result.doubles) add(entry.first);
    for (const auto& entry : result.ints) add(entry.first);
    for (const auto& entry : result.strings) add(entry.first);
    for (const auto& entry : result.attributes)
        if (entry.first.empty() || entry.first.find('\0') != std::string::npos)
            throw Error("attribute name '" + entry.first + "' is empty or contains NUL");
}

}  // namespace

void checkLinkName(const std::string& name, const char* what) {
    if (name.empty() || name == "." || name.find('/') != std::string::npos ||
        name.find('\0') != std::string::npos)
        throw Error(std::string(what) + " name '" + name +
                    "' is empty, '.', or contains '/' or NUL");
}

void writeResultGroup(hid_t kindGroup, const StoredResult& result, int64_t sequence) {
    checkNames(result);
    const std::string key = result.meta.key();
    h5::Group group(
        h5::checkId(H5Gcreate2(kindGroup, key.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    "cannot create group '" + key + "'"));
    writeProvenance(group.get(), result.meta);
    h5::writeInt(group.get(), "sequence", sequence, H5T_STD_I64LE);
    for (const auto& [name, value] : result.attributes)
        h5::writeString(group.get(), kAttrPrefix + name, value);
    for (const auto& [name, array] : result.doubles)
        writeProvenance(h5::writeDoubles(group.get(), name, array).get(), result.meta);
    for (const auto& [name, array] : result.ints)
        writeProvenance(h5::writeInts(group.get(), name, array).get(), result.meta);
    for (const auto& [name, list] : result.strings)
        writeProvenance(h5::writeStrings(group.get(), name, list).get(), result.meta);
}

ResultMeta readResultMeta(hid_t group, const std::string& groupName, int64_t& sequence) {
    ResultMeta meta;
    meta.kind = requireString(group, "kind");
    meta.method = requireString(group, "method");
    meta.parameters = requireString(group, "parameters");
    meta.modelFingerprint = requireString(group, "model_fingerprint");
    meta.datasetFingerprint = requireString(group, "dataset_fingerprint");
    meta.toolVersion = requireString(group, "tool_version");
    meta.created = requireString(group, "created");
    const std::optional<int64_t> schema = h5::readInt(group, "schema_version");
    if (!schema || *schema < 0 || *schema > 1'000'000)
        throw Error("missing or invalid attribute 'schema_version'");
    meta.schemaVersion = static_cast<int>(*schema);
    sequence = h5::readInt(group, "sequence").value_or(0);
    if (meta.key() != groupName)
        throw Error("group name is not the key of its attributes (" + meta.key() + ")");
    return meta;
}

StoredResult readResultGroup(hid_t group, const std::string& groupName) {
    StoredResult result;
    int64_t sequence = 0;
    result.meta = readResultMeta(group, groupName, sequence);
    const std::string prefix = kAttrPrefix;
    for (const std::string& name : h5::attributeNames(group)) {
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        std::optional<std::string> value = h5::readString(group, name);
        result.attributes[name.substr(prefix.size())] = value.value_or("");
    }
    for (const std::string& name : h5::hardLinkNames(group)) {
        H5I_type_t type = H5I_BADID;
        h5::Object object = h5::openObject(group, name, type);
        if (type != H5I_DATASET) throw Error("'" + name + "' is not a dataset");
        h5::Datatype fileType(
            h5::checkId(H5Dget_type(object.get()), "cannot read dataset '" + name + "'"));
        switch (H5Tget_class(fileType.get())) {
            case H5T_FLOAT:
                result.doubles[name] = h5::readDoubles(object.get(), name);
                break;
            case H5T_INTEGER:
                result.ints[name] = h5::readInts(object.get(), name);
                break;
            case H5T_STRING:
                result.strings[name] = h5::readStrings(object.get(), name);
                break;
            default:
                throw Error("dataset '" + name + "' is not float, integer or string");
        }
    }
    return result;
}

}  // namespace lamina::store
