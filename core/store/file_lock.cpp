#include "store/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace lamina::store {

FileLock::FileLock(const std::filesystem::path& lockPath) {
    mFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (mFd < 0)
        throw Error("cannot open lock file " + lockPath.string() + ": " + std::strerror(errno));
    while (::flock(mFd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        ::close(mFd);
        throw Error("cannot lock " + lockPath.string() + ": " + std::strerror(error));
    }
}

// Closing the descriptor releases the lock (also when the process dies).
FileLock::~FileLock() { ::close(mFd); }

}  // namespace lamina::store
