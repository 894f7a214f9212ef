#pragma once

#include <chrono>

namespace lamina {

/// Seconds elapsed since `start` on the steady clock (timings in reports and benchmarks).
inline double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace lamina
