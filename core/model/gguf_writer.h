#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/progress.h"
#include "model/gguf_types.h"

namespace lamina {

/// A GGUF metadata value, in the types llama.cpp reads (arrays of int32, float32, string).
using GgufValue = std::variant<uint32_t, int32_t, uint64_t, float, bool, std::string,
                               std::vector<int32_t>, std::vector<float>, std::vector<std::string>>;

/// Writes a GGUF v3 file (ggml's docs/gguf.md): header, typed metadata in insertion order,
/// tensor infos, and tensor data at offsets aligned to `general.alignment` (32). Tensor data
/// is produced one tensor at a time while writing, so a model never exists twice in memory.
class GgufWriter {
public:
    using Bytes = std::vector<uint8_t>;

    /// Sets `key` (a later value for the same key replaces the earlier one).
    void set(const std::string& key, GgufValue value);

    /// Adds a tensor of `shape` (row-major, as torch writes it; the file stores the dims
    /// innermost first) whose bytes `data` returns in `type`'s encoding.
    void addTensor(std::string name, std::vector<int64_t> shape, GgufTensorType type,
                   std::function<Bytes()> data);

    /// Writes the file atomically (temporary beside `path`, renamed when complete); progress
    /// per tensor. Throws `Error` naming the file or tensor, `Cancelled` on a stop request.
    void write(const std::filesystem::path& path, const ProgressFn& progress = {}) const;

private:
    struct Tensor {
        std::string name;
        std::vector<int64_t> shape;
        GgufTensorType type;
        std::function<Bytes()> data;
        uint64_t bytes() const;
    };
    std::vector<std::pair<std::string, GgufValue>> mValues;
    std::vector<Tensor> mTensors;
};

}  // namespace lamina
