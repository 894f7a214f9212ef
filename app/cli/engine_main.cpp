// Entry point of liblamina-engine.so, the part of lamina-cli that needs libtorch.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"
#include "console.h"

extern "C" __attribute__((visibility("default"))) int laminaEngineMain(const char* command,
                                                                       int argc,
                                                                       const char* const* argv) {
    using namespace lamina::cli;
    static const Command engineCommands[] = {
        {"ppl", "", &runPpl},         {"bench", "", &runBench}, {"analyze", "", &runAnalyze},
        {"prune", "", &runPrune},     {"apply", "", &runApply},     {"eval", "", &runEval}};
    installInterruptHandler();  // this module has its own copy of the interrupt flag
    const std::vector<std::string> args(argv, argv + argc);
    for (const Command& c : engineCommands) {
        if (std::strcmp(command, c.name) == 0) return runCommand(c.name, c.run, args);
    }
    std::fprintf(stderr, "lamina-cli: the engine has no command '%s'\n", command);
    return 1;
}
