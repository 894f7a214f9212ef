#include "store/child_check.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include "common/error.h"

namespace lamina::store {

namespace {

namespace fs = std::filesystem;

// Same device, inode, size and change times: the bytes a check saw (or this process wrote).
using Identity = std::tuple<dev_t, ino_t, off_t, long, long, long, long>;

constexpr int kHostileMemory = 2;
constexpr int kUnexpected = 3;
constexpr auto kDeadline = std::chrono::seconds(60);
constexpr rlim_t kCpuSeconds = 30;

std::mutex gMutex;
std::set<Identity>& trusted() {
    static std::set<Identity> set;
    return set;
}

bool identityOf(const fs::path& path, Identity& id) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    id = {st.st_dev,          st.st_ino,          st.st_size,         st.st_mtim.tv_sec,
          st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
    return true;
}

// Virtual size of this process in bytes (first field of /proc/self/statm), 0 if unknown.
uint64_t virtualBytes() {
    unsigned long pages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%lu", &pages) != 1) pages = 0;
        std::fclose(f);
    }
    return static_cast<uint64_t>(pages) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Runs in the forked child: only this thread exists there, holding the HDF5 lock.
[[noreturn]] void childMain(const std::function<void()>& readAll, uint64_t memoryBudget) {
    // Die quietly on a crash: the parent reports it. (Crash handlers inherited from the
    // parent, such as Qt Test's, would print stacks or start a debugger.)
    for (const int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::signal(sig, SIG_DFL);
    const uint64_t vm = virtualBytes();
    if (vm > 0) {
        const rlimit as{vm + memoryBudget, vm + memoryBudget};
        ::setrlimit(RLIMIT_AS, &as);
    }
    const rlimit cpu{kCpuSeconds, kCpuSeconds};
    ::setrlimit(RLIMIT_CPU, &cpu);
    int code = 0;
    try {
        readAll();
    } catch (const Error& e) {
        // In the parent, without the limit, the same read would really allocate that much.
        if (isAllocationFailure(e)) code = kHostileMemory;
    } catch (const std::bad_alloc&) {
        code = kHostileMemory;
    } catch (...) {
        code = kUnexpected;
    }
    ::_exit(code);
}

std::string refusal(const fs::path& path, const std::string& why) {
    return path.string() + ": not a readable results file: " + why +
           " (the file is corrupt or hostile; nothing was loaded from it)";
}

}  // namespace

bool isAllocationFailure(const std::exception& e) {
    const std::string what = e.what();
    return what.find("allocation failed") != std::string::npos ||
           what.find("out of memory") != std::string::npos;
}

void trustFile(const fs::path& path) {
    Identity id;
    if (!identityOf(path, id)) return;
    std::lock_guard<std::mutex> guard(gMutex);
    trusted().insert(id);
}

void readInChildOnce(const fs::path& path, const std::function<void()>& readAll) {
    Identity id;
    if (!identityOf(path, id)) return;  // the in-process open reports the missing file
    {
        std::lock_guard<std::mutex> guard(gMutex);
        if (trusted().count(id)) return;
    }
    // Reading a results file needs a few times its size (a 1.5 MB file: 18 MB); allow far
    // more before calling it hostile (fuzzed 20 KB files made libhdf5 allocate and touch
    // 330 MB in 5 s, or 1.9 GB in 8.5 s).
    const uint64_t fileBytes = static_cast<uint64_t>(std::get<2>(id));
    const uint64_t budget = (uint64_t{256} << 20) + 32 * fileBytes;
    std::fflush(nullptr);  // the child must not flush the parent's buffered output again
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw Error(path.string() + ": cannot start the process that checks the file: " +
                    std::strerror(errno));
    }
    if (pid == 0) childMain(readAll, budget);

    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    int status = 0;
    for (auto pause = std::chrono::microseconds(200);;
         pause = std::min(pause * 2, std::chrono::microseconds(20'000))) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) {
            throw Error(path.string() + ": lost the process that checks the file: " +
                        std::strerror(errno));
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            throw Error(refusal(path, "reading it did not finish within 60 s"));
        }
        std::this_thread::sleep_for(pause);
    }
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        throw Error(refusal(path, sig == SIGXCPU ? std::string("reading it took more than 30 s of CPU")
                                                 : std::string("reading it crashed the HDF5 library (") +
                                                       ::strsignal(sig) + ")"));
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : kUnexpected;
    if (code == kHostileMemory) {
        throw Error(refusal(path, "reading it needs more than " + std::to_string(budget >> 20) +
                                      " MiB of memory"));
    }
    if (code != 0) throw Error(refusal(path, "reading it failed unexpectedly"));
    std::lock_guard<std::mutex> guard(gMutex);
    trusted().insert(id);
}

}  // namespace lamina::store
