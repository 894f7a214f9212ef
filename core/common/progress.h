#pragma once

#include <cstdint>
#include <functional>

#include "common/error.h"

namespace lamina {

/// Progress callback of every long operation: `done` of `total` units finished.
/// Returning false cancels; the operation then throws `Cancelled` instead of returning a
/// partial result. An empty function means "no progress wanted".
using ProgressFn = std::function<bool(int64_t done, int64_t total)>;

/// Reports progress and throws `Cancelled` when the callback asks to stop.
inline void reportProgress(const ProgressFn& progress, int64_t done, int64_t total) {
    if (progress && !progress(done, total)) {
        throw Cancelled();
    }
}

}  // namespace lamina
