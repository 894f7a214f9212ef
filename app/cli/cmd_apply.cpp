// `lamina-cli apply MODEL --plan PLAN --out DIR|FILE.gguf [--format hf|decilm|gguf]
// [--gguf-type f32|f16|bf16|q8_0]`: writes the pruned model.
#include <cstdio>
#include <optional>

#include "args.h"
#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"
#include "console.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "pruning/export.h"
#include "pruning/plan.h"

namespace lamina::cli {

int runApply(const std::vector<std::string>& argv) {
    const Args args(argv, {"plan", "out", "format", "gguf-type", "threads"}, {"json"});
    const std::filesystem::path modelPath = args.positional("MODEL");
    const std::filesystem::path planPath = args.required("plan");
    const std::filesystem::path out = args.required("out");
    const ExportFormat format = parseExportFormat(args.valueOr("format", "hf"));
    std::optional<GgufTensorType> ggufType;
    if (const auto type = args.value("gguf-type")) {
        if (format != ExportFormat::Gguf) throw Error("--gguf-type needs --format gguf");
        ggufType = parseGgufTensorType(*type, "--gguf-type");
    }
    const PruningPlan plan = readPlan(planPath);
    checkPlanMatchesModel(plan, modelFingerprint(modelPath), modelPath.string(), planPath.string());
    configureRuntime(static_cast<int>(args.integer("threads", 0, 0, 1024)));
    const auto model = loadModel(modelPath);
    exportPrunedModel(*model, plan, modelPath, out, format, consoleProgress("export"), ggufType);
    const int64_t layers = plan.keptBlocks();
    if (args.flag("json")) {
        printJson({{"out", out.string()}, {"format", args.valueOr("format", "hf")},
                   {"layers", layers}, {"operations", plan.operations.size()}});
    } else {
        std::printf("wrote %s (%s, %lld of %lld blocks, %zu operations)\n", out.c_str(),
                    args.valueOr("format", "hf").c_str(), static_cast<long long>(layers),
                    static_cast<long long>(plan.layers), plan.operations.size());
    }
    return 0;
}

}  // namespace lamina::cli
