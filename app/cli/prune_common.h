#pragma once

#include <optional>
#include <set>
#include <string>

#include "args.h"
#include "pruning/cached_pruning.h"
#include "store/results_store.h"

namespace lamina::cli {

/// Options of `lamina-cli prune` that take a value (besides the flag --json).
const std::set<std::string>& pruneValueOptions();

PruneRequest parsePruneRequest(const Args& args);

/// --results, when given: the file that caches trajectories (and is answered from).
std::optional<std::filesystem::path> resultsPath(const Args& args);

/// Writes the plan to --out and prints the trajectory (text, or --json: one object with
/// "steps", "plan", "plan_file", "cached", ..., and "repair" when `repair` is not null).
void finishPrune(const PruneReport& report, const PruneRequest& request, const Args& args,
                 const nlohmann::json& repair = nullptr);

/// The text line of a repair report (repairPlan's JSON): cuts, fit, PPL without → with.
void printRepair(const nlohmann::json& repair);

}  // namespace lamina::cli
