#pragma once

#include <string>

#include "pruning/trajectory.h"
#include "store/results_store.h"

namespace lamina {

// Trajectories in the results store (docs/results-format.md): kind "trajectory", method =
// the pruning method, datasets "step_kind" (strings), "layers" (S, 2) int, "score",
// "perplexity" (S), "removed" (S, 2) int (sublayers, parameters), "extra.base_ppl", and when a
// step is a set "set_units" (N, 3) int (step, unit kind 0 attn / 1 mlp / 2 block, layer);
// attributes score_name, cumulative.

ResultMeta trajectoryQuery(const std::string& method, const std::string& parameters,
                           const std::string& modelFingerprint,
                           const std::string& datasetFingerprint);
StoredResult toRecord(const Trajectory& t, const std::string& modelFingerprint,
                      const std::string& datasetFingerprint);
/// Throws `Error` naming the result key when the record is malformed.
Trajectory trajectoryFromRecord(const StoredResult& r);

}  // namespace lamina
