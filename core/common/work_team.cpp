#include "common/work_team.h"

#include <chrono>

namespace lamina {

namespace {

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
}

// How long a helper spins for the next phase before it sleeps: longer than the gap between
// two decoding steps (sampling a token), short enough not to matter after the last one.
constexpr auto kSpin = std::chrono::microseconds(300);

}  // namespace

WorkTeam::WorkTeam(int size) : size_(size < 1 ? 1 : size) {
    for (int w = 1; w < size_; ++w) helpers_.emplace_back([this, w] { serve(w); });
}

WorkTeam::~WorkTeam() {
    stop_.store(true);
    generation_.fetch_add(1);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        wake_.notify_all();
    }
    for (auto& t : helpers_) t.join();
}

void WorkTeam::run(const std::function<void(int)>& task) {
    if (size_ == 1) {
        task(0);
        return;
    }
    task_ = &task;
    pending_.store(size_ - 1);
    generation_.fetch_add(1);  // seq_cst: pairs with the sleeper's check in serve()
    if (sleepers_.load() > 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        wake_.notify_all();
    }
    task(0);
    while (pending_.load(std::memory_order_acquire) > 0) cpuRelax();
}

void WorkTeam::serve(int worker) {
    uint64_t seen = 0;
    for (;;) {
        const auto spinUntil = std::chrono::steady_clock::now() + kSpin;
        for (int i = 0; generation_.load(std::memory_order_acquire) == seen; ++i) {
            if ((i & 255) == 255 && std::chrono::steady_clock::now() > spinUntil) {
                std::unique_lock<std::mutex> lock(mutex_);
                sleepers_.fetch_add(1);
                wake_.wait(lock, [&] { return generation_.load() != seen; });
                sleepers_.fetch_sub(1);
                break;
            }
            cpuRelax();
        }
        if (stop_.load()) return;
        seen = generation_.load();
        (*task_)(worker);
        pending_.fetch_sub(1, std::memory_order_release);
    }
}

}  // namespace lamina
