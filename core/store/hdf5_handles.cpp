#include "store/hdf5_handles.h"

#include "common/error.h"

namespace lamina::h5 {

namespace {

std::mutex& hdf5Mutex() {
    static std::mutex mutex;
    return mutex;
}

herr_t innermost(unsigned n, const H5E_error2_t* err, void* data) {
    // Walking upward, entry 0 is the innermost (most specific) failure.
    if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(data) = err->desc;
    return 0;
}

}  // namespace

Lock::Lock() : mGuard(hdf5Mutex()) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    // A results file may come from anyone. A dataset naming a filter HDF5 does not know would
    // make it dlopen every lib*.so on HDF5_PLUGIN_PATH (or its default plugin directory) to
    // find one; the store writes no filters that need plugins, so loading is switched off.
    static const bool pluginsOff = H5PLset_loading_state(0) >= 0;
    if (!pluginsOff) throw Error("HDF5: cannot switch off filter plugin loading");
}

std::string errorText() {
    std::string text;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &text);
    return text.empty() ? std::string("unknown HDF5 error") : text;
}

hid_t checkId(hid_t id, const std::string& what) {
    if (id < 0) throw Error(what + ": " + errorText());
    return id;
}

herr_t checkStatus(herr_t status, const std::string& what) {
    if (status < 0) throw Error(what + ": " + errorText());
    return status;
}

PropList fileAccess() {
    PropList fapl(checkId(H5Pcreate(H5P_FILE_ACCESS), "cannot create file-access properties"));
    // Strong close: H5Fclose really closes the file even if an id leaked on an error path.
    checkStatus(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "cannot set close degree");
    // HDF5's own flock (1.10.7+) is off. The store never modifies a published file in place
    // (writers build a private temporary copy and rename it, serialized by `<file>.lock`), so
    // readers need no protection; HDF5's lock is non-blocking and would only turn a viewer
    // holding the file (HDFView, h5py) into a spurious "unable to lock file" error.
    checkStatus(H5Pset_file_locking(fapl.get(), false, true), "cannot disable file locking");
    return fapl;
}

std::vector<std::string> hardLinkNames(hid_t group) {
    std::vector<std::string> names;
    auto collect = [](hid_t, const char* name, const H5L_info_t* info, void* data) -> herr_t {
        if (info->type == H5L_TYPE_HARD)
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    hsize_t index = 0;
    checkStatus(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names),
                "cannot list group members");
    return names;
}

bool hasHardLink(hid_t group, const std::string& name) {
    const std::string what = "cannot look up '" + name + "'";
    if (checkStatus(H5Lexists(group, name.c_str(), H5P_DEFAULT), what) == 0) return false;
    H5L_info_t info;
    checkStatus(H5Lget_info(group, name.c_str(), &info, H5P_DEFAULT), what);
    return info.type == H5L_TYPE_HARD;
}

Object openObject(hid_t group, const std::string& name, H5I_type_t& type) {
    Object object(checkId(H5Oopen(group, name.c_str(), H5P_DEFAULT), "cannot open '" + name + "'"));
    type = H5Iget_type(object.get());
    return object;
}

Datatype vlenString(H5T_cset_t cset) {
    Datatype type(checkId(H5Tcopy(H5T_C_S1), "cannot create string type"));
    checkStatus(H5Tset_size(type.get(), H5T_VARIABLE), "cannot create string type");
    checkStatus(H5Tset_cset(type.get(), cset), "cannot create string type");
    return type;
}

}  // namespace lamina::h5
