#include "store/temp_file.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>

namespace lamina::store {

namespace {

std::string tempPrefix(const std::filesystem::path& target) {
    return target.filename().string() + ".tmp-";
}

bool processAlive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

}  // namespace

TempFile::TempFile(const std::filesystem::path& target) {
    static std::atomic<unsigned> counter{0};
    mPath = target;
    mPath += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

TempFile::~TempFile() {
    if (!mCommitted) ::unlink(mPath.c_str());
}

void removeStaleTempFiles(const std::filesystem::path& target) {
    const std::string prefix = tempPrefix(target);
    std::filesystem::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = name.substr(prefix.size());
        const size_t dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos || dash > 9 ||
            rest.find_first_not_of("0123456789") != dash)
            continue;
        const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
        if (pid == ::getpid() || !processAlive(pid)) ::unlink(it->path().c_str());
    }
}

}  // namespace lamina::store
