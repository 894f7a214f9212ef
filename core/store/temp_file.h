#pragma once

#include <filesystem>

namespace lamina::store {

/// The name of a private temporary copy of `target` in the same directory
/// (`<target>.tmp-<pid>-<counter>`), removed on destruction unless `commit()` was called
/// (after it has been renamed over the target). The file itself is created by the user.
class TempFile {
public:
    explicit TempFile(const std::filesystem::path& target);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::filesystem::path& path() const { return mPath; }
    void commit() { mCommitted = true; }

private:
    std::filesystem::path mPath;
    bool mCommitted = false;
};

/// Removes temporary copies of `target` left behind by processes that died mid-write (and
/// by this process, whose own writers are serialized and not running). Call while holding
/// the store's write lock. Failures are ignored: a stale copy is only wasted space.
void removeStaleTempFiles(const std::filesystem::path& target);

}  // namespace lamina::store
