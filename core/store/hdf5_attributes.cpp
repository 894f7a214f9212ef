#include "store/hdf5_attributes.h"

#include <vector>

#include "common/error.h"
#include "store/hdf5_handles.h"

namespace lamina::h5 {

namespace {

// Opens `name` for writing, deleting an existing attribute of that name first.
Attribute createAttribute(hid_t object, const std::string& name, hid_t fileType) {
    const std::string what = "cannot write attribute '" + name + "'";
    if (checkStatus(H5Aexists(object, name.c_str()), what) > 0)
        checkStatus(H5Adelete(object, name.c_str()), what);
    Dataspace space(checkId(H5Screate(H5S_SCALAR), what));
    return Attribute(checkId(
        H5Acreate2(object, name.c_str(), fileType, space.get(), H5P_DEFAULT, H5P_DEFAULT), what));
}

// Opens an existing attribute holding exactly one element of type class `cls`.
std::optional<Attribute> openSingle(hid_t object, const std::string& name, H5T_class_t cls,
                                    Datatype& type) {
    const std::string what = "cannot read attribute '" + name + "'";
    if (checkStatus(H5Aexists(object, name.c_str()), what) == 0) return std::nullopt;
    Attribute attr(checkId(H5Aopen(object, name.c_str(), H5P_DEFAULT), what));
    type = Datatype(checkId(H5Aget_type(attr.get()), what));
    Dataspace space(checkId(H5Aget_space(attr.get()), what));
    const char* expected = cls == H5T_STRING ? "a string" : "an integer";
    if (H5Tget_class(type.get()) != cls || H5Sget_simple_extent_npoints(space.get()) != 1)
        throw Error("attribute '" + name + "' is not " + expected);
    return attr;
}

}  // namespace

void writeString(hid_t object, const std::string& name, const std::string& value) {
    if (value.find('\0') != std::string::npos)
        throw Error("attribute '" + name + "' contains a NUL byte");
    Datatype type = vlenString();
    Attribute attr = createAttribute(object, name, type.get());
    const char* text = value.c_str();
    checkStatus(H5Awrite(attr.get(), type.get(), &text), "cannot write attribute '" + name + "'");
}

void writeInt(hid_t object, const std::string& name, int64_t value, hid_t fileType) {
    Attribute attr = createAttribute(object, name, fileType);
    checkStatus(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value),
                "cannot write attribute '" + name + "'");
}

std::optional<std::string> readString(hid_t object, const std::string& name) {
    Datatype fileType;
    std::optional<Attribute> attr = openSingle(object, name, H5T_STRING, fileType);
    if (!attr) return std::nullopt;
    const std::string what = "cannot read attribute '" + name + "'";
    const H5T_cset_t cset = H5Tget_cset(fileType.get());
    if (checkStatus(H5Tis_variable_str(fileType.get()), what) > 0) {
        Datatype memType = vlenString(cset);
        char* text = nullptr;
        checkStatus(H5Aread(attr->get(), memType.get(), &text), what);
        std::string value = text != nullptr ? text : "";
        H5free_memory(text);
        return value;
    }
    // Fixed length (h5py's default for numpy bytes): read the raw bytes, cut at the first NUL.
    const size_t size = H5Tget_size(fileType.get());
    Datatype memType(checkId(H5Tcopy(fileType.get()), what));
    std::vector<char> bytes(size + 1, '\0');
    checkStatus(H5Aread(attr->get(), memType.get(), bytes.data()), what);
    return std::string(bytes.data());
}

std::optional<int64_t> readInt(hid_t object, const std::string& name) {
    Datatype fileType;
    std::optional<Attribute> attr = openSingle(object, name, H5T_INTEGER, fileType);
    if (!attr) return std::nullopt;
    int64_t value = 0;
    checkStatus(H5Aread(attr->get(), H5T_NATIVE_INT64, &value),
                "cannot read attribute '" + name + "'");
    return value;
}

std::vector<std::string> attributeNames(hid_t object) {
    std::vector<std::string> names;
    auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    hsize_t index = 0;
    checkStatus(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names),
                "cannot list attributes");
    return names;
}

}  // namespace lamina::h5
