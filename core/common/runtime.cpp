#include "common/runtime.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <malloc.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace lamina {

BlasInfo blasInUse() {
    BlasInfo info;
    // Already loaded with libtorch: RTLD_NOLOAD finds it without loading anything.
    void* lib = dlopen("libblas.so.3", RTLD_LAZY | RTLD_NOLOAD);
    if (lib == nullptr) return {"unknown (libblas.so.3 not loaded)", "", false};
    if (void* gemm = dlsym(lib, "sgemm_")) {
        Dl_info where{};
        char real[PATH_MAX];
        if (dladdr(gemm, &where) != 0 && where.dli_fname != nullptr) {
            info.file = realpath(where.dli_fname, real) != nullptr ? real : where.dli_fname;
        }
    }
    if (auto* config = reinterpret_cast<char* (*)()>(dlsym(lib, "openblas_get_config"))) {
        info.name = config();  // "OpenBLAS 0.3.21 ... MAX_THREADS=64"
        if (auto* core = reinterpret_cast<char* (*)()>(dlsym(lib, "openblas_get_corename"))) {
            info.name += std::string(" (kernels: ") + core() + ")";
        }
    } else if (dlsym(lib, "bli_info_get_version_str") != nullptr) {
        info.name = "BLIS";
    } else if (dlsym(lib, "mkl_get_max_threads") != nullptr || dlsym(lib, "MKL_Get_Max_Threads") != nullptr) {
        info.name = "MKL";
    } else {
        info.name = "reference";
        info.reference = true;
    }
    dlclose(lib);
    return info;
}

int configureRuntime(int threads) {
    // A fixed threshold also disables glibc's dynamic adjustment; trimming only above 512 MB.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
    at::set_num_threads(threads);
    static const bool warned = [] {
        const BlasInfo blas = blasInUse();
        if (blas.reference) {
            std::fprintf(stderr,
                         "lamina: warning: libtorch uses the reference BLAS (%s); matrix products run ~70x "
                         "slower. Install libopenblas0-openmp (sudo apt install libopenblas0-openmp).\n",
                         blas.file.c_str());
        }
        return true;
    }();
    (void)warned;
    return at::get_num_threads();
}

}  // namespace lamina
