#include "common/runtime.h"

#include <ATen/Parallel.h>
#include <malloc.h>

#include <thread>

namespace lamina {

int configureRuntime(int threads) {
    // A fixed threshold also disables glibc's dynamic adjustment; trimming only above 512 MB.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
    at::set_num_threads(threads);
    return at::get_num_threads();
}

}  // namespace lamina
