#pragma once

// Datasets for the arrays of a stored result: float64, int64 and variable-length UTF-8
// strings. Large numeric arrays are chunked and compressed; everything read is validated.

#include <hdf5.h>

#include <string>
#include <vector>

#include "store/hdf5_handles.h"
#include "store/results_store.h"

namespace lamina::h5 {

/// Numeric arrays above this many bytes are stored chunked with shuffle + deflate level 4.
constexpr size_t kCompressAboveBytes = 64 * 1024;

/// Creates dataset `name` in `group`; throws `Error` naming the dataset on bad shapes or
/// HDF5 failures. The returned handle is open so provenance attributes can be added.
Dataset writeDoubles(hid_t group, const std::string& name, const DoubleArray& array);
Dataset writeInts(hid_t group, const std::string& name, const IntArray& array);
Dataset writeStrings(hid_t group, const std::string& name, const std::vector<std::string>& list);

/// Reads a dataset whose type class was checked by the caller (float, integer, string);
/// throws `Error` naming the dataset when its shape or type is not what a result holds.
DoubleArray readDoubles(hid_t dataset, const std::string& name);
IntArray readInts(hid_t dataset, const std::string& name);
std::vector<std::string> readStrings(hid_t dataset, const std::string& name);

}  // namespace lamina::h5
