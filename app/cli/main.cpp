// lamina-cli: the headless front end (contract: ../shared/docs/architecture.md).
// Exit codes: 0 success, 2 bad input (one-line error on stderr), 130 interrupted, 1 internal.
// Reading commands run here without libtorch; computing ones run in liblamina-engine.so.

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"
#include "console.h"

namespace lamina::cli {
namespace {

const std::vector<Command>& commands() {
    static const std::vector<Command> list = {
        {"info", "MODEL                          family, layers, heads, params, dtype", &runInfo},
        {"tokenize", "MODEL|TOKENIZER --text STR    token ids (with BOS unless --no-special)",
         &runTokenize},
        {"ppl",
         "MODEL --text FILE --seq T [--windows N] [--bos first|each|replace] [--score-from K]   "
         "perplexity",
         nullptr},
        {"analyze",
         "MODEL [--calib FILE] --seq T --windows N --metrics LIST --out RESULTS.h5   CKA, importance",
         &runAnalyzeFront},
        {"prune",
         "MODEL --method M [--calib FILE] --seq T --windows N (--ratio R | --threshold T | "
         "--steps K) --out PLAN.json   pruning trajectory and plan",
         &runPruneFront},
        {"apply",
         "MODEL --plan PLAN --out DIR|FILE.gguf [--format hf|decilm|gguf] [--gguf-type "
         "f32|f16|bf16|q8_0]   write the pruned model",
         nullptr},
        {"eval",
         "MODEL [--plan PLAN] (--tasks LIST | --protocol P) --data-dir DIR [--limit N]   "
         "zero-shot accuracy and perplexity",
         nullptr},
        {"show", "RESULTS.h5                     what a results file holds", &runShow},
        {"bench",
         "MODEL [--batch 8] [--seq 256] [--repeat 5] | MODEL --generate [--plan PLAN] "
         "[--prompt-tokens 256] [--new-tokens 128] [--batch 1,8]   forward or decoding speed",
         nullptr},
    };
    return list;
}

void printUsage(std::FILE* out) {
    std::fprintf(out,
                 "usage: lamina-cli COMMAND [ARGS] [--json]\n\n"
                 "Depth-pruning workbench for LLMs (version %s).\n\ncommands:\n",
                 LAMINA_VERSION);
    for (const auto& c : commands()) std::fprintf(out, "  %-9s %s\n", c.name, c.synopsis);
    std::fprintf(out,
                 "\ncommon options: --json (one JSON object on stdout), --threads N,\n"
                 "  --dtype float32|bfloat16 (compute type), --tokenizer PATH,\n"
                 "  --weights mapped|converted (keep the file's dtype, or one copy in the\n"
                 "  compute type), --device cpu|cuda[:N] (ppl, bench, greedy prune)\n"
                 "exit codes: 0 ok, 2 bad input, 130 interrupted, 1 internal error\n"
                 "reference: docs/cli.md\n");
}

}  // namespace
}  // namespace lamina::cli

int main(int argc, char** argv) {
    using namespace lamina::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        printUsage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::printf("lamina-cli %s\n", LAMINA_VERSION);
        return 0;
    }
    const std::string name = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& c : commands()) {
        if (name != c.name) continue;
        for (const auto& a : args) {
            if (a == "--help" || a == "-h") {
                std::printf("usage: lamina-cli %s %s\n", c.name, c.synopsis);
                return 0;
            }
        }
        installInterruptHandler();
        return c.run ? runCommand(c.name, c.run, args) : runInEngine(c.name, args);
    }
    std::fprintf(stderr, "lamina-cli: unknown command '%s' (see --help)\n", name.c_str());
    return 2;
}
