#pragma once

#include <cstddef>
#include <string>

namespace lamina::store {

/// Refuses HDF5 file bytes whose global heap collections (where variable-length strings
/// live) libhdf5 1.10 cannot read safely: a zero-size free-space entry makes its reader loop
/// forever, and an object running past its collection makes it read out of bounds. Throws
/// `Error` "<source>: not a readable HDF5 file (corrupt global heap at byte N: ...)".
void checkGlobalHeaps(const char* data, std::size_t size, const std::string& source);

}  // namespace lamina::store
