// Front-end side of `lamina-cli analyze`: answers from the results file when every expected
// result is stored (no libtorch needed), and hands over to the engine otherwise.
#include <chrono>

#include "analyze_common.h"
#include "commands.h"
#include "common/error.h"

namespace lamina::cli {

int runAnalyzeFront(const std::vector<std::string>& argv) {
    const Args args(argv, analyzeValueOptions(), {"json", "layer-by-layer"});
    const AnalysisRequest req = parseAnalyzeRequest(args);
    const auto store = ResultsStore::open(args.required("out"));
    if (store->readOnly()) throw Error(store->readOnlyReason());
    const auto start = std::chrono::steady_clock::now();
    const CachePlan plan = planFromStore(req, *store);
    if (!plan.missing.empty()) return runInEngine("analyze", argv);
    AnalysisReport report = plan.answer();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    printAnalysisReport(report, req, *store, args.flag("json"));
    return 0;
}

}  // namespace lamina::cli
