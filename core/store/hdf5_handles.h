#pragma once

// RAII wrappers over HDF5 C API ids, the process-wide HDF5 lock, and error helpers.

#include <hdf5.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace lamina::h5 {

/// Owns one HDF5 id and closes it with `Close` (H5Fclose, H5Gclose, ...).
template <herr_t (*Close)(hid_t)>
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) : mId(id) {}
    ~Handle() { reset(); }
    Handle(Handle&& other) noexcept : mId(std::exchange(other.mId, H5I_INVALID_HID)) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            mId = std::exchange(other.mId, H5I_INVALID_HID);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    hid_t get() const { return mId; }
    bool valid() const { return mId >= 0; }
    // Errors while closing are ignored here; use close() where they matter (files written).
    void reset() {
        if (mId >= 0) Close(mId);
        mId = H5I_INVALID_HID;
    }
    /// Closes now and reports failure (a write flushed at close can fail, e.g. disk full).
    bool close() {
        const hid_t id = std::exchange(mId, H5I_INVALID_HID);
        return id < 0 || Close(id) >= 0;
    }

private:
    hid_t mId = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Attribute = Handle<H5Aclose>;
using Dataspace = Handle<H5Sclose>;
using Datatype = Handle<H5Tclose>;
using PropList = Handle<H5Pclose>;
using Object = Handle<H5Oclose>;

/// Serializes every HDF5 call in the process (the GUI calls the store from worker threads)
/// and silences HDF5's automatic error printing, which is a per-thread setting in
/// thread-safe builds and so has to be done on every calling thread.
class Lock {
public:
    Lock();

private:
    std::lock_guard<std::mutex> mGuard;
};

/// The innermost message on this thread's HDF5 error stack ("unknown HDF5 error" if none).
std::string errorText();

/// Throws `Error("<what>: <HDF5 message>")` when `id` is negative; returns it otherwise.
hid_t checkId(hid_t id, const std::string& what);
/// Throws `Error("<what>: <HDF5 message>")` when `status` is negative; returns it otherwise.
herr_t checkStatus(herr_t status, const std::string& what);

/// A file-access property list: strong close degree, HDF5 file locking off (see .cpp).
PropList fileAccess();

/// Names of the hard links in `group`, in name order (soft and external links are skipped,
/// so a hostile file cannot point the store at other files).
std::vector<std::string> hardLinkNames(hid_t group);

/// True when `group` has a hard link `name` (soft and external links count as absent).
bool hasHardLink(hid_t group, const std::string& name);

/// Opens the object `name` in `group` and reports its type (H5I_GROUP, H5I_DATASET, ...).
Object openObject(hid_t group, const std::string& name, H5I_type_t& type);

/// A variable-length string type (UTF-8 unless `cset` says otherwise).
Datatype vlenString(H5T_cset_t cset = H5T_CSET_UTF8);

}  // namespace lamina::h5
