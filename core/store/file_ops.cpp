#include "store/file_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "common/error.h"

namespace lamina::store {

namespace {

// Closes a POSIX descriptor on scope exit.
class Fd {
public:
    explicit Fd(int fd) : mFd(fd) {}
    ~Fd() {
        if (mFd >= 0) ::close(mFd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return mFd; }
    int release() { return std::exchange(mFd, -1); }

private:
    int mFd;
};

[[noreturn]] void fail(const char* what, const std::filesystem::path& path) {
    throw Error(std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

std::vector<char> readFile(const std::filesystem::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) fail("cannot open", path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail("cannot read", path);
    std::vector<char> bytes(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("cannot read", path);
        if (n == 0) throw Error("cannot read " + path.string() + ": it shrank while being read");
        done += static_cast<size_t>(n);
    }
    return bytes;
}

void writeNewFile(const std::filesystem::path& path, const std::vector<char>& bytes,
                  const std::filesystem::path& modeSource) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (fd.get() < 0) fail("cannot create", path);
    struct stat st {};
    if (::stat(modeSource.c_str(), &st) == 0) ::fchmod(fd.get(), st.st_mode & 07777);
    const char* data = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd.get(), data, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("cannot write", path);
        data += n;
        left -= static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) fail("cannot flush", path);
    if (::close(fd.release()) != 0) fail("cannot write", path);
}

void replaceFile(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) fail("cannot rename onto", to);
    std::filesystem::path dir = to.parent_path();
    if (dir.empty()) dir = ".";
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() >= 0) ::fsync(fd.get());
}

}  // namespace lamina::store
