// Front-end side of `lamina-cli prune`: answers from the results file when it holds the
// trajectory (no libtorch), and hands over to the engine otherwise.
#include "commands.h"
#include "common/error.h"
#include "mpi_group.h"
#include "prune_common.h"

namespace lamina::cli {

int runPruneFront(const std::vector<std::string>& argv) {
    const Args args(argv, pruneValueOptions(), {"json", "naive", "exhaustive"});
    const PruneRequest req = parsePruneRequest(args);
    // As MPI ranks the engine decides, on rank 0 only, whether the results file answers.
    // A repair needs the model (libtorch) even when the trajectory is stored.
    const bool repair = args.valueOr("repair", "none") != "none";
    if (const auto path = resultsPath(args); path && !launchedAsRanks() && !repair) {
        const auto store = ResultsStore::open(*path);
        if (store->readOnly()) throw Error(store->readOnlyReason());
        if (const auto report = pruneFromStore(req, *store)) {
            finishPrune(*report, req, args);
            return 0;
        }
    }
    return runInEngine("prune", argv);
}

}  // namespace lamina::cli
