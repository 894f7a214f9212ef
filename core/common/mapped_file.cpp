#include "common/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "common/error.h"

namespace lamina {

namespace {
std::string osError() { return std::strerror(errno); }
}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw Error(path.string() + ": cannot open: " + osError());
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const std::string why = osError();
        ::close(fd);
        throw Error(path.string() + ": cannot stat: " + why);
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(path.string() + ": not a regular file");
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->mPath = path;
    file->mSize = static_cast<std::size_t>(st.st_size);
    if (file->mSize > 0) {
        // MAP_PRIVATE + PROT_READ: a stray in-place write to a weight faults instead of
        // silently corrupting the user's checkpoint.
        void* p = ::mmap(nullptr, file->mSize, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const std::string why = osError();
            ::close(fd);
            throw Error(path.string() + ": cannot map into memory: " + why);
        }
        file->mData = static_cast<const std::byte*>(p);
    }
    ::close(fd);
    return file;
}

MappedFile::~MappedFile() {
    if (mData != nullptr) {
        ::munmap(const_cast<std::byte*>(mData), mSize);
    }
}

std::string readTextFile(const std::filesystem::path& path, std::size_t maxBytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        throw Error(path.string() + ": cannot read: " + ec.message());
    }
    if (size > maxBytes) {
        throw Error(path.string() + ": file is " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(maxBytes) + " bytes allowed for this kind of file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(path.string() + ": cannot open: " + osError());
    }
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (in.gcount() != static_cast<std::streamsize>(size)) {
        throw Error(path.string() + ": read error (file changed while reading?)");
    }
    return text;
}

}  // namespace lamina
