#pragma once

// Shared helpers of the libFuzzer targets. A lamina::Error is the expected answer to bad
// input; anything else escaping (another exception, a crash, a sanitizer report) is a finding.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"

namespace lamina::fuzz {

/// A scratch directory of this process on tmpfs (no disk writes per execution), removed at exit.
inline const std::filesystem::path& scratchDir() {
    struct Dir {
        std::filesystem::path path;
        Dir() {
            const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
            path = std::filesystem::path(base) / ("lamina-fuzz-" + std::to_string(::getpid()));
            std::filesystem::create_directories(path);
        }
        ~Dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static const Dir dir;
    return dir.path;
}

/// Writes the fuzz input to `name` inside the scratch directory and returns its path.
inline std::filesystem::path writeInput(const std::string& name, const uint8_t* data,
                                        std::size_t size) {
    const std::filesystem::path path = scratchDir() / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
        std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path;
}

/// Runs `fn`, swallowing only lamina::Error.
template <typename Fn>
void expectOnlyLaminaErrors(Fn fn) {
    try {
        fn();
    } catch (const Error&) {
    }
}

}  // namespace lamina::fuzz

/// An invariant the parser promises for input it accepted; a violation is a finding.
#define FUZZ_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (0)
