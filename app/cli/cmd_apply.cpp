// `lamina-cli apply MODEL --plan PLAN --out DIR|FILE.gguf [--format hf|decilm|gguf]
// [--gguf-type f32|f16|bf16|q8_0] [--repair none|linear|rescale --calib TEXT [--seq T]
// [--windows N] [--heldout TEXT]]`: writes the pruned (and repaired) model.
#include <cstdio>
#include <optional>

#include "analyze_common.h"
#include "args.h"
#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"
#include "console.h"
#include "data/calibration_request.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "prune_common.h"
#include "pruning/export.h"
#include "pruning/plan.h"
#include "repair_step.h"

namespace lamina::cli {

int runApply(const std::vector<std::string>& argv) {
    std::set<std::string> options = {"plan", "out", "format", "gguf-type", "threads",
                                     "calib", "seq", "windows", "bos", "seed", "tokenizer", "plan-out"};
    options.insert(repairValueOptions().begin(), repairValueOptions().end());
    const Args args(argv, options, {"json"});
    const std::filesystem::path modelPath = args.positional("MODEL");
    const std::filesystem::path planPath = args.required("plan");
    const std::filesystem::path out = args.required("out");
    const ExportFormat format = parseExportFormat(args.valueOr("format", "hf"));
    std::optional<GgufTensorType> ggufType;
    if (const auto type = args.value("gguf-type")) {
        if (format != ExportFormat::Gguf) throw Error("--gguf-type needs --format gguf");
        ggufType = parseGgufTensorType(*type, "--gguf-type");
    }
    const RepairRequest repair = parseRepairRequest(args);
    if (repair.kind != RepairKind::None && !args.value("calib")) {
        throw Error("option --repair " + repairKindName(repair.kind) + " needs --calib TEXT (the data it is fitted on)");
    }
    PruningPlan plan = readPlan(planPath);
    const std::string fingerprint = modelFingerprint(modelPath);
    checkPlanMatchesModel(plan, fingerprint, modelPath.string(), planPath.string());
    configureRuntime(static_cast<int>(args.integer("threads", 0, 0, 1024)));
    const auto model = loadModel(modelPath);
    nlohmann::json repaired;
    if (args.value("repair")) {  // replaces the plan's own repair, if any
        plan.repair = {};
        if (repair.kind != RepairKind::None) {
            const CalibrationSet calibration = resolveCalibration(parseCalibrationRequest(args), modelPath, fingerprint);
            repaired = repairPlan(*model, modelPath, plan, calibration, repair);
        }
        if (const auto planOut = args.value("plan-out")) writePlan(*planOut, plan);
    }
    exportPrunedModel(*model, plan, modelPath, out, format, consoleProgress("export"), ggufType);
    const int64_t layers = plan.keptBlocks();
    const std::string repairName = repairKindName(plan.repair.kind);
    if (args.flag("json")) {
        printJson({{"out", out.string()}, {"format", args.valueOr("format", "hf")},
                   {"layers", layers}, {"operations", plan.operations.size()},
                   {"repair", repaired.is_null() ? nlohmann::json(repairName) : repaired}});
    } else {
        std::printf("wrote %s (%s, %lld of %lld blocks, %zu operations, repair %s)\n", out.c_str(),
                    args.valueOr("format", "hf").c_str(), static_cast<long long>(layers),
                    static_cast<long long>(plan.layers), plan.operations.size(), repairName.c_str());
        if (!repaired.is_null()) printRepair(repaired);
    }
    return 0;
}

}  // namespace lamina::cli
