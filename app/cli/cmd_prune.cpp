// Engine side of `lamina-cli prune`: runs the method when the results file cannot answer.
#include <unistd.h>

#include <filesystem>

#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"
#include "console.h"
#include "prune_common.h"

namespace lamina::cli {

int runPrune(const std::vector<std::string>& argv) {
    const Args args(argv, pruneValueOptions(), {"json", "naive"});
    PruneRequest req = parsePruneRequest(args);
    req.options.prefixReuse = !args.flag("naive");
    configureRuntime(static_cast<int>(args.integer("threads", 0, 0, 1024)));
    // Without --results the run still goes through a results file (it holds self-generated
    // calibration ids and the trajectory), a temporary one removed afterwards.
    const auto given = resultsPath(args);
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
    const PruneReport report = pruneWithCache(req, *store, consoleProgress("prune"));
    finishPrune(report, req, args);
    return 0;
}

}  // namespace lamina::cli
