#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "args.h"
#include "data/calibration.h"
#include "model/model.h"
#include "pruning/plan.h"

namespace lamina::cli {

/// `--repair none|linear|rescale [--heldout TEXT [--heldout-seq T]]` of prune and apply.
struct RepairRequest {
    RepairKind kind = RepairKind::None;
    std::optional<std::filesystem::path> heldout;
    int64_t heldoutSeq = 256;
    int64_t windows = 0;  ///< prune: fit on this many windows of the calibration text (0: the method's)
    int64_t batch = 0;  ///< windows per forward pass (0: automatic)
};

const std::set<std::string>& repairValueOptions();  ///< "repair", "heldout", "heldout-seq", "repair-windows"
RepairRequest parseRepairRequest(const Args& args);

/// Fits the repair of `plan` on `calibration` and stores it in the plan, then measures the
/// calibration PPL (and the held-out PPL when asked) without and with it. Returns the "repair"
/// object of the command's JSON; `modelPath` finds the tokenizer for the held-out text.
nlohmann::json repairPlan(const Model& model, const std::filesystem::path& modelPath, PruningPlan& plan,
                          const CalibrationSet& calibration, const RepairRequest& request);

}  // namespace lamina::cli
