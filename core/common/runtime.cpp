#include "common/runtime.h"

#include <ATen/Parallel.h>

#include <thread>

namespace lamina {

int configureThreads(int threads) {
    if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
    at::set_num_threads(threads);
    return at::get_num_threads();
}

}  // namespace lamina
