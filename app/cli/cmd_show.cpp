#include <cstdio>

#include "analysis/analysis_records.h"
#include "args.h"
#include "commands.h"
#include "console.h"
#include "result_json.h"
#include "store/results_store.h"

namespace lamina::cli {

int runShow(const std::vector<std::string>& argv) {
    const Args args(argv, {}, {"json"});
    const auto store = ResultsStore::open(args.positional("RESULTS.h5"), /*create=*/false);
    const std::vector<ResultMeta> metas = store->list();
    if (args.flag("json")) {
        nlohmann::json results = nlohmann::json::array();
        for (const ResultMeta& meta : metas) {
            nlohmann::json j = metaJson(meta);
            const StoredResult r = store->load(meta.key());
            if (meta.kind == "similarity") {
                j["data"] = similarityJson(similarityFromRecord(r));
            } else if (meta.kind == "importance") {
                j["data"] = importanceJson(importanceFromRecord(r));
            } else if (meta.kind == "calibration") {
                j["data"] = {{"ids", calibrationIdsFromRecord(r)},
                             {"shape", r.ints.at("ids").shape}};
            }
            results.push_back(std::move(j));
        }
        printJson({{"path", store->path().string()},
                   {"schema_version", store->fileSchemaVersion()},
                   {"read_only", store->readOnly()},
                   {"read_only_reason", store->readOnlyReason()},
                   {"results", results}});
        return 0;
    }
    std::printf("%s: %zu result%s (schema %d)%s\n", store->path().c_str(), metas.size(),
                metas.size() == 1 ? "" : "s", store->fileSchemaVersion(),
                store->readOnly() ? ", read-only" : "");
    if (store->readOnly()) std::printf("  %s\n", store->readOnlyReason().c_str());
    for (const ResultMeta& m : metas) {
        std::printf("  %-11s %-17s %s  model %s  data %s  %s\n      %s\n", m.kind.c_str(),
                    m.method.c_str(), m.key().c_str(), m.modelFingerprint.c_str(),
                    m.datasetFingerprint.empty() ? "-" : m.datasetFingerprint.c_str(),
                    m.created.c_str(), m.parameters.c_str());
    }
    return 0;
}

}  // namespace lamina::cli
