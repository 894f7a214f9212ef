#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/dtype.h"

namespace lamina {

class MappedFile;

/// One tensor inside a memory-mapped safetensors file. `data` points into the mapping and
/// stays valid while the owning `SafetensorsFile` lives.
struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    const std::byte* data = nullptr;
    std::size_t nbytes = 0;
    const std::filesystem::path* file = nullptr;  ///< the file it lives in (for messages)

    int64_t numel() const;
};

/// A validated, memory-mapped `.safetensors` file.
///
/// Everything is checked before any tensor is handed out: header length against the file
/// size, well-formed JSON, known dtypes, shapes, every byte range inside the data section,
/// ranges not overlapping, and byte size = product(shape) × dtype size. Any violation
/// throws `Error` naming the file (and the tensor when there is one).
class SafetensorsFile {
public:
    /// Largest header accepted (the reference implementation's own limit).
    static constexpr uint64_t kMaxHeaderBytes = 100u << 20;

    static std::shared_ptr<const SafetensorsFile> open(const std::filesystem::path& path);

    const std::filesystem::path& path() const;
    /// Tensors in header order.
    const std::vector<TensorView>& tensors() const { return mTensors; }
    /// nullptr when absent.
    const TensorView* find(std::string_view name) const;
    /// The throwing variant: `Error` naming the file and the tensor.
    const TensorView& get(std::string_view name) const;
    /// The optional `__metadata__` map.
    const std::map<std::string, std::string>& metadata() const { return mMetadata; }
    /// The raw JSON header bytes (for fingerprints).
    std::string_view header() const { return mHeader; }
    /// Total file size in bytes.
    std::size_t fileSize() const;

private:
    explicit SafetensorsFile(std::shared_ptr<const MappedFile> file);
    void parse();

    std::shared_ptr<const MappedFile> mFile;
    std::string_view mHeader;
    std::vector<TensorView> mTensors;
    std::map<std::string, std::size_t, std::less<>> mIndex;
    std::map<std::string, std::string> mMetadata;
};

}  // namespace lamina
