#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "common/progress.h"

namespace lamina::cli {

/// Prints `j` as one line of JSON on stdout.
void printJson(const nlohmann::json& j);

/// Set by SIGINT; long operations poll it through their progress callback.
bool interrupted();
void installInterruptHandler();

/// A progress callback that draws "label  done/total  ETA" on stderr when stderr is a
/// terminal (throttled to ~10 Hz) and cancels on Ctrl-C.
ProgressFn consoleProgress(const std::string& label);

/// Seconds since `start`.
double secondsSince(std::chrono::steady_clock::time_point start);

}  // namespace lamina::cli
