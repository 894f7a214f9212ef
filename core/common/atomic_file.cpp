#include "common/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.h"

namespace lamina {

AtomicFile::AtomicFile(std::filesystem::path target)
    : mTarget(std::move(target)),
      mPath(mTarget.string() + ".tmp-" + std::to_string(::getpid())) {
    mFile = std::fopen(mPath.c_str(), "wb");
    if (mFile == nullptr) fail("cannot create");
}

AtomicFile::~AtomicFile() {
    if (mFile != nullptr) std::fclose(mFile);
    if (!mCommitted) std::remove(mPath.c_str());
}

void AtomicFile::write(const void* data, std::size_t n) {
    if (n > 0 && std::fwrite(data, 1, n, mFile) != n) fail("write failed");
}

void AtomicFile::commit() {
    if (std::fflush(mFile) != 0) fail("write failed");
    const int rc = std::fclose(mFile);
    mFile = nullptr;
    if (rc != 0) fail("write failed");
    if (std::rename(mPath.c_str(), mTarget.c_str()) != 0) fail("cannot rename into place");
    mCommitted = true;
}

void AtomicFile::fail(const char* what) const {
    throw Error(mPath.string() + ": " + what + ": " + std::strerror(errno));
}

}  // namespace lamina
