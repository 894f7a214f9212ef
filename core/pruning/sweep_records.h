#pragma once

#include <string>
#include <vector>

#include "pruning/slm_types.h"
#include "store/results_store.h"

namespace lamina {

// SLM threshold sweeps in the results store (docs/results-format.md): kind "merge_sweep",
// method "slm"; datasets "thresholds" (E, 2) [low, high), "removed_blocks" (E) int64,
// "merges" (M, 3) [first, last, similarity] and "merge_offsets" (E + 1) int64.

ResultMeta sweepQuery(const std::string& parameters, const std::string& modelFingerprint,
                      const std::string& datasetFingerprint);
StoredResult toRecord(const ResultMeta& meta, const std::vector<SlmSweepEntry>& sweep);
/// Throws `Error` naming the result key when the record is malformed.
std::vector<SlmSweepEntry> sweepFromRecord(const StoredResult& record);

}  // namespace lamina
