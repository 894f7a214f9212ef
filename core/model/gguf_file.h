#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mapped_file.h"
#include "model/gguf_types.h"

namespace lamina {

/// One metadata value: scalars as `number` (integers, floats, bools), strings as `text`,
/// arrays as `numbers` / `texts`.
struct GgufMetaValue {
    GgufValueType type = GgufValueType::Uint32;
    GgufValueType elementType = GgufValueType::Uint32;  ///< arrays
    double number = 0;
    std::string text;
    std::vector<double> numbers;
    std::vector<std::string> texts;
};

struct GgufTensorInfo {
    std::string name;
    std::vector<int64_t> shape;  ///< row-major (torch order; the file stores it reversed)
    GgufTensorType type = GgufTensorType::F32;
    uint64_t offset = 0;         ///< from the start of the file
    uint64_t bytes = 0;
    int64_t numel() const;
};

/// A GGUF v2/v3 file, memory-mapped, with its metadata and tensor directory parsed and
/// checked against the file (ggml's docs/gguf.md): every length, count and offset is bounded
/// by the file's size before it is used, so truncated or hostile files are an `Error` naming
/// the file, the field and the byte offset, never a crash or a huge allocation.
class GgufFile {
public:
    static std::shared_ptr<const GgufFile> open(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return mMapping->path(); }
    const std::shared_ptr<const MappedFile>& mapping() const { return mMapping; }

    const GgufMetaValue* find(const std::string& key) const;
    /// A scalar number; throws `Error` naming the key when it is missing or not a number.
    double number(const std::string& key) const;
    std::optional<double> numberOr(const std::string& key) const;
    std::string text(const std::string& key) const;  ///< "" when absent
    /// An int array, or a scalar repeated `n` times (llama.cpp's get_key_or_arr).
    std::vector<int64_t> perLayer(const std::string& key, int64_t n) const;

    const std::vector<GgufTensorInfo>& tensors() const { return mTensors; }
    const GgufTensorInfo* tensor(const std::string& name) const;
    const std::byte* data(const GgufTensorInfo& t) const { return mMapping->data() + t.offset; }
    /// Whether every byte of the tensor is zero (the writer's stand-in sublayers).
    bool allZero(const GgufTensorInfo& t) const;

private:
    std::shared_ptr<const MappedFile> mMapping;
    std::map<std::string, GgufMetaValue> mValues;
    std::vector<GgufTensorInfo> mTensors;
    std::map<std::string, std::size_t> mTensorIndex;
    friend class GgufParser;
};

/// Whether `path` starts with the GGUF magic.
bool probeGguf(const std::filesystem::path& path);

}  // namespace lamina
