#pragma once

#include <string>
#include <vector>

namespace lamina::cli {

using CommandFn = int (*)(const std::vector<std::string>& args);

/// A subcommand: runs with its own arguments (after the command name), prints its result on
/// stdout and returns the exit code. Bad input throws `lamina::Error` (exit 2).
struct Command {
    const char* name;
    const char* synopsis;
    CommandFn run;  ///< nullptr: runs in the engine module (needs libtorch)
};

/// Runs `fn` with the exit-code contract: 0 ok, 2 bad input (one-line error on stderr), 130
/// interrupted, 1 internal error.
int runCommand(const char* name, CommandFn fn, const std::vector<std::string>& args);

/// Runs `command` inside the compute engine (liblamina-engine.so, loaded on first use after
/// setting OMP_WAIT_POLICY=PASSIVE unless the user chose a policy).
int runInEngine(const std::string& command, const std::vector<std::string>& args);

// Front end (no libtorch).
int runInfo(const std::vector<std::string>& args);
int runTokenize(const std::vector<std::string>& args);
int runShow(const std::vector<std::string>& args);
int runAnalyzeFront(const std::vector<std::string>& args);
int runPruneFront(const std::vector<std::string>& args);

// Engine (libtorch).
int runPpl(const std::vector<std::string>& args);
int runBench(const std::vector<std::string>& args);
int runBenchGenerate(const std::vector<std::string>& args);  ///< bench --generate
int runAnalyze(const std::vector<std::string>& args);
int runPrune(const std::vector<std::string>& args);
int runApply(const std::vector<std::string>& args);
int runEval(const std::vector<std::string>& args);

}  // namespace lamina::cli
