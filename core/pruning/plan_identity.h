#pragma once

#include <nlohmann/json.hpp>

#include "pruning/plan.h"

namespace lamina {

/// What makes `plan`'s pruned model what it is, for cache keys: its "operations" array, and for
/// a repaired plan {"operations", "repair": kind, cuts, scales or matrix fingerprint} (so a
/// repaired plan never answers with the unrepaired plan's results, and unrepaired keys stay
/// as they were).
nlohmann::json planIdentity(const PruningPlan& plan);

}  // namespace lamina
