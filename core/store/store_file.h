#pragma once

// File-level helpers of the results store: opening, root attributes, the list of results.

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/hdf5_handles.h"

namespace lamina::store {

/// Where a result lives: the group `/<kind>/<key>`.
struct ResultLocation {
    std::string kind;
    std::string key;
};

/// Opens an existing file read-only; throws `Error` "<file>: cannot open ..." or
/// "<file>: not a readable HDF5 file (corrupt or truncated)".
h5::File openReadOnly(const std::filesystem::path& path);

/// Creates an empty store (root attributes only) in memory; `name` only identifies it.
/// Writers build each new version of a file in memory and write it out themselves: HDF5
/// 1.10 cannot recover from a write that fails while closing a file (the id stays half
/// closed and the library crashes at exit), so HDF5 never writes to disk here.
h5::File createInMemory(const std::filesystem::path& name);

/// Opens a writable in-memory copy of the file content `image` (which is consumed).
h5::File openInMemory(const std::filesystem::path& name, std::vector<char> image);

/// Flushes and closes an in-memory file, returning its content.
std::vector<char> closeToImage(h5::File& file, const std::filesystem::path& name);

/// The root `lamina_schema_version`; throws `Error` "<file>: not a Lamina results file (...)"
/// when it is absent, not an integer or below 1.
int64_t schemaVersionOf(hid_t file, const std::filesystem::path& path);

/// The message for a file written by a newer schema (also `readOnlyReason()`).
std::string newerSchemaMessage(const std::filesystem::path& path, int64_t version);

/// Sets the root `lamina_tool_version` to this build's version if it differs.
void stampToolVersion(hid_t file);

/// Every `/<kind>/<key>` hard link below a kind group, in name order.
std::vector<ResultLocation> resultLocations(hid_t file);

/// True when `/<kind>/<key>` exists (as hard links).
bool hasResult(hid_t file, const std::string& kind, const std::string& key);

/// The highest `sequence` attribute of any result (0 for an empty store).
int64_t maxSequence(hid_t file);

/// Copies every result except `/<kind>/<key>` from `from` into the empty store `to`.
void copyResultsExcept(hid_t from, hid_t to, const std::string& kind, const std::string& key);

/// Opens `/<kind>` in a writable file, creating it when missing.
h5::Group openOrCreateKindGroup(hid_t file, const std::string& kind);

}  // namespace lamina::store
