#pragma once

#include <string>

namespace lamina {

/// The BLAS behind libtorch's float32 matrix products, as resolved through Debian's
/// libblas.so.3 alternative: its name ("OpenBLAS 0.3.21 ... Prescott", "BLIS", "reference")
/// and the file. The reference BLAS runs GEMM ~70× slower than OpenBLAS.
struct BlasInfo {
    std::string name;
    std::string file;
    bool reference = false;
};
BlasInfo blasInUse();

/// Process-wide set-up for tensor work; call once at start-up, before any tensor work.
/// - libtorch's intra-op thread count (and so OpenBLAS/OpenMP's) to `threads`, or to the
///   number of cores when `threads` <= 0 (Debian's libtorch otherwise runs on one thread);
/// - glibc malloc keeps freed blocks up to 32 MB for reuse instead of unmapping them, so the
///   forward pass's per-layer temporaries do not page-fault afresh every time (measured:
///   attention-only pass of the student 0.45 s → 0.26 s);
/// - a warning on stderr, once, when libtorch got the reference BLAS (a fresh Debian with
///   only libblas3 installed).
/// Returns the thread count in effect.
int configureRuntime(int threads = 0);

}  // namespace lamina
