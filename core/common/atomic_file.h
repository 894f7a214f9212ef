#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>

namespace lamina {

/// A file written under a temporary name beside `target` and renamed over it by `commit()`,
/// so a failure (full disk, kill, cancel) never leaves a half-written file under the final
/// name; the temporary is removed unless committed. Throws `Error` naming the file.
class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path target);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, std::size_t n);
    void commit();  ///< flushes, closes and renames into place

private:
    [[noreturn]] void fail(const char* what) const;

    std::filesystem::path mTarget;
    std::filesystem::path mPath;
    std::FILE* mFile = nullptr;
    bool mCommitted = false;
};

}  // namespace lamina
