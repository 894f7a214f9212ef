#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace lamina {

/// A fixed team of workers for many short parallel phases (one decoding step runs ~80 of
/// ~20 µs each). The caller is worker 0; helpers spin briefly between phases and then sleep,
/// because waking a sleeping thread costs about as much as a phase (measured: OpenMP's
/// passive wait policy spent ~22 % of a batch-1 decode in thread wake-ups).
class WorkTeam {
public:
    explicit WorkTeam(int size);
    ~WorkTeam();
    WorkTeam(const WorkTeam&) = delete;
    WorkTeam& operator=(const WorkTeam&) = delete;

    int size() const { return size_; }
    /// Runs task(worker) on every worker and returns when all have finished. The task must
    /// not throw.
    void run(const std::function<void(int)>& task);

private:
    void serve(int worker);

    int size_;
    std::vector<std::thread> helpers_;
    const std::function<void(int)>* task_ = nullptr;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<int> sleepers_{0};
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
};

/// Worker `worker`'s share [begin, end) of n items split evenly over `workers`.
inline std::pair<int64_t, int64_t> shareOf(int64_t n, int worker, int workers) {
    return {n * worker / workers, n * (worker + 1) / workers};
}

}  // namespace lamina
