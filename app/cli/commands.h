#pragma once

#include <string>
#include <vector>

namespace lamina::cli {

/// A subcommand: runs with its own arguments (after the command name), prints its result on
/// stdout and returns the exit code. Bad input throws `lamina::Error` (exit 2).
struct Command {
    const char* name;
    const char* synopsis;
    int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& commands();

int runInfo(const std::vector<std::string>& args);
int runTokenize(const std::vector<std::string>& args);
int runPpl(const std::vector<std::string>& args);
int runBench(const std::vector<std::string>& args);
int runAnalyze(const std::vector<std::string>& args);
int runShow(const std::vector<std::string>& args);

}  // namespace lamina::cli
