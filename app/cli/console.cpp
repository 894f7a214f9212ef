#include "console.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

namespace lamina::cli {

namespace {
std::atomic<bool> gInterrupted{false};
void onSigint(int) { gInterrupted = true; }
}  // namespace

void printJson(const nlohmann::json& j) { std::cout << j.dump() << std::endl; }

bool interrupted() { return gInterrupted.load(); }

void installInterruptHandler() { std::signal(SIGINT, onSigint); }

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

ProgressFn consoleProgress(const std::string& label) {
    using Clock = std::chrono::steady_clock;
    struct State {
        Clock::time_point start = Clock::now();
        Clock::time_point last{};
    };
    auto state = std::make_shared<State>();
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    return [label, state, tty](int64_t done, int64_t total) {
        if (interrupted()) return false;
        if (!tty) return true;
        const auto now = Clock::now();
        if (done < total && now - state->last < std::chrono::milliseconds(100)) return true;
        state->last = now;
        const double elapsed = secondsSince(state->start);
        const double eta = done > 0 ? elapsed * static_cast<double>(total - done) / done : 0;
        std::fprintf(stderr, "\r%s  %lld/%lld  %.0f%%  ETA %.0fs   ", label.c_str(),
                     static_cast<long long>(done), static_cast<long long>(total),
                     total > 0 ? 100.0 * done / total : 100.0, eta);
        if (done >= total) std::fprintf(stderr, "\n");
        std::fflush(stderr);
        return true;
    };
}

}  // namespace lamina::cli
