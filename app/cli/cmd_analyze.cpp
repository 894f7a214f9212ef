// Engine side of `lamina-cli analyze`: computes what the results file lacks.
#include "analyze_common.h"
#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"
#include "console.h"

namespace lamina::cli {

int runAnalyze(const std::vector<std::string>& argv) {
    const Args args(argv, analyzeValueOptions(), {"json", "layer-by-layer"});
    const AnalysisRequest req = parseAnalyzeRequest(args);
    configureRuntime(static_cast<int>(args.integer("threads", 0, 0, 1024)));
    const auto store = ResultsStore::open(args.required("out"));
    if (store->readOnly()) throw Error(store->readOnlyReason());
    const AnalysisReport report = analyzeWithCache(req, *store, consoleProgress("analyze"));
    printAnalysisReport(report, req, *store, args.flag("json"));
    return 0;
}

}  // namespace lamina::cli
