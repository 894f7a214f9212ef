#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

namespace lamina {

/// A read-only, private memory mapping of a whole file. Pages are loaded lazily by the OS, so
/// opening a multi-gigabyte checkpoint costs nothing until its tensors are touched.
class MappedFile {
public:
    /// Maps `path`; throws `Error` naming the file when it cannot be opened or mapped.
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::byte* data() const { return mData; }
    std::size_t size() const { return mSize; }
    const std::filesystem::path& path() const { return mPath; }

private:
    MappedFile() = default;
    std::filesystem::path mPath;
    const std::byte* mData = nullptr;
    std::size_t mSize = 0;
};

/// Reads a whole (small) text file; throws `Error` naming the file on failure or when it is
/// larger than `maxBytes`.
std::string readTextFile(const std::filesystem::path& path, std::size_t maxBytes = 256u << 20);

}  // namespace lamina
