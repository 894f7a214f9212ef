#pragma once

#include <filesystem>

namespace lamina::store {

/// An exclusive `flock` on a lock file (created when missing), held for the object's
/// lifetime. Blocks until the lock is free; throws `Error` naming the lock file on failure.
/// The lock file is never deleted: removing it would let two writers lock different inodes.
class FileLock {
public:
    explicit FileLock(const std::filesystem::path& lockPath);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int mFd = -1;
};

}  // namespace lamina::store
