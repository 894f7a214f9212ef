// The front end loads the libtorch-based engine only for commands that compute: reading
// commands start in milliseconds, and OMP_WAIT_POLICY can still be set before libgomp (a
// dependency of libtorch) reads it at load time. Measured: with the default (active) policy a
// second busy process made small batched GEMMs ~60x slower; passive costs nothing measurable
// on an idle machine (docs/benchmarks.md).
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "commands.h"

namespace lamina::cli {

namespace fs = std::filesystem;

namespace {

using EngineMain = int (*)(const char*, int, const char* const*);

fs::path executableDir() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return fs::current_path();
    buf[n] = '\0';
    return fs::path(buf).parent_path();
}

}  // namespace

int runInEngine(const std::string& command, const std::vector<std::string>& args) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
    const fs::path dir = executableDir();
    std::string tried;
    void* handle = nullptr;
    for (const fs::path& candidate :
         {dir / "liblamina-engine.so", dir / ".." / "lib" / "lamina" / "liblamina-engine.so"}) {
        tried += (tried.empty() ? "" : ", ") + candidate.string();
        if (!fs::exists(candidate)) continue;
        handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            std::fprintf(stderr, "lamina-cli %s: internal error: cannot load %s: %s\n",
                         command.c_str(), candidate.c_str(), ::dlerror());
            return 1;
        }
        break;
    }
    if (handle == nullptr) {
        std::fprintf(stderr, "lamina-cli %s: internal error: compute engine not found (%s)\n",
                     command.c_str(), tried.c_str());
        return 1;
    }
    auto entry = reinterpret_cast<EngineMain>(::dlsym(handle, "laminaEngineMain"));
    if (entry == nullptr) {
        std::fprintf(stderr, "lamina-cli %s: internal error: %s\n", command.c_str(), ::dlerror());
        return 1;
    }
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return entry(command.c_str(), static_cast<int>(argv.size()), argv.data());
}

}  // namespace lamina::cli
