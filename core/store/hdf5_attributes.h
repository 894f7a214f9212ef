#pragma once

// Scalar string and integer attributes, read with type and shape validation.

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lamina::h5 {

/// Writes (or replaces) a scalar variable-length UTF-8 string attribute. Throws `Error`
/// naming the attribute; strings with embedded NUL bytes are refused.
void writeString(hid_t object, const std::string& name, const std::string& value);
/// Writes (or replaces) a scalar integer attribute stored as `fileType` (e.g. H5T_STD_I32LE).
void writeInt(hid_t object, const std::string& name, int64_t value, hid_t fileType);

/// Reads a scalar string attribute (variable or fixed length); nullopt when absent, throws
/// `Error` when it is not a single string.
std::optional<std::string> readString(hid_t object, const std::string& name);
/// Reads a scalar integer attribute; nullopt when absent, throws `Error` when it is not a
/// single integer.
std::optional<int64_t> readInt(hid_t object, const std::string& name);

/// Names of every attribute of `object`, in name order.
std::vector<std::string> attributeNames(hid_t object);

}  // namespace lamina::h5
