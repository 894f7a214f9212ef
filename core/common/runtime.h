#pragma once

namespace lamina {

/// Sets libtorch's intra-op thread count (and so OpenBLAS/OpenMP's) to `threads`, or to the
/// number of cores when `threads` <= 0. Debian's libtorch otherwise runs on one thread.
/// Call once at start-up, before any tensor work. Returns the count in effect.
int configureThreads(int threads = 0);

}  // namespace lamina
