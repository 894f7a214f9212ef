// Engine side of `lamina-cli prune`: runs the method when the results file cannot answer.
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"
#include "common/shared_work.h"
#include "data/calibration_request.h"
#include "console.h"
#include "mpi_group.h"
#include "prune_common.h"
#include "repair_step.h"

namespace lamina::cli {

namespace {

// One rank's part. Rank 0 (or the only process) owns the results file, the plan and the
// output; the other ranks score their share of the candidates through a private temporary
// store and say nothing.
int prune(PruneRequest& req, const RepairRequest& repair, const Args& args, const MpiGroup* group) {
    const bool root = group == nullptr || group->rank() == 0;
    // Without --results the run still goes through a results file (it holds self-generated
    // calibration ids and the trajectory), a temporary one removed afterwards.
    const auto given = root ? resultsPath(args) : std::nullopt;
    const std::filesystem::path path =
        given ? *given
              : std::filesystem::temp_directory_path() /
                    ("lamina-prune-" + std::to_string(::getpid()) + ".h5");
    struct Cleanup {
        std::filesystem::path path;
        bool active;
        ~Cleanup() {
            if (!active) return;
            std::error_code ec;
            std::filesystem::remove(path, ec);
            std::filesystem::remove(path.string() + ".lock", ec);
        }
    } cleanup{path, !given};
    const auto store = ResultsStore::open(path);
    if (store->readOnly()) throw Error(store->readOnlyReason());
    // Every rank must compute, or none: rank 0's results file decides.
    if (group && rankZeroSays(group, root && pruneFromStore(req, *store)) && !root) return 0;
    PruneReport report = pruneWithCache(req, *store, root ? consoleProgress("prune") : ProgressFn{});
    if (!root) return 0;
    nlohmann::json repaired;
    if (repair.kind != RepairKind::None) {
        LoadOptions load;
        load.compute = req.compute;
        load.weights = req.weights;
        const auto model = loadModel(req.model, load);
        CalibrationSet fitOn = report.calibration;
        if (repair.windows > 0) {  // more of the same text than the method scored on
            if (req.data.text.empty()) throw Error("option --repair-windows needs --calib TEXT");
            CalibrationRequest more = req.data;
            more.windows = repair.windows;
            fitOn = resolveCalibration(more, req.model, report.modelFingerprint);
        }
        repaired = repairPlan(*model, req.model, report.plan, fitOn, repair);
    }
    finishPrune(report, req, args, repaired);
    return 0;
}

}  // namespace

int runPrune(const std::vector<std::string>& argv) {
    const Args args(argv, pruneValueOptions(), {"json", "naive", "exhaustive"});
    PruneRequest req = parsePruneRequest(args);
    const RepairRequest repair = parseRepairRequest(args);  // checked before the long part
    req.policy.prefixReuse = !args.flag("naive");
    req.policy.boundedSearch = !args.flag("naive") && !args.flag("exhaustive");
    return runAsRank("prune", [&](const MpiGroup* group) {
        configureRuntime(threadsFor(static_cast<int>(args.integer("threads", 0, 0, 1024)), group));
        req.policy.group = group;
        return prune(req, repair, args, group);
    });
}

}  // namespace lamina::cli
