#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "model/dtype.h"

namespace lamina {

/// A tensor's bytes (row-major, little-endian) as safetensors stores them.
struct TensorBytes {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    const void* data = nullptr;
    std::size_t nbytes = 0;
};

/// Writes `tensors` as a safetensors file, atomically (a temporary beside `path` renamed over
/// it when complete). Throws `Error` naming the file on I/O errors.
void writeSafetensorsBytes(const std::filesystem::path& path, const std::vector<TensorBytes>& tensors,
                           const std::map<std::string, std::string>& metadata = {});

}  // namespace lamina
