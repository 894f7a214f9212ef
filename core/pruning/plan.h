#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/ablation.h"
#include "pruning/merge_formula.h"
#include "pruning/plan_repair.h"

namespace lamina {

/// One edit of a pruning plan, in the original model's layer indices.
struct PlanOperation {
    enum class Op { DropAttn, DropMlp, DropBlock, Merge };
    Op op = Op::DropBlock;
    int64_t layer = 0;      ///< the block (merge: the window's first block, which it becomes)
    int64_t lastLayer = 0;  ///< merge only: the window's last block (inclusive)
    MergeFormula formula = MergeFormula::Rdsc;  ///< merge only

    static PlanOperation drop(const Unit& unit);
    static PlanOperation merge(int64_t first, int64_t last, MergeFormula formula);
    bool isMerge() const { return op == Op::Merge; }
};

/// Pruning plan (architecture.md): what to remove or merge, which model it is for, how it was
/// chosen. Plain data; JSON on disk, schema-versioned.
struct PruningPlan {
    static constexpr int kSchema = 1;

    std::string modelFingerprint;
    std::string family;
    int64_t layers = 0;
    nlohmann::json method = nlohmann::json::object();       ///< {"name": ..., parameters}
    nlohmann::json calibration = nlohmann::json::object();  ///< {"fingerprint", "description", ...}
    std::vector<PlanOperation> operations;
    nlohmann::json metrics = nlohmann::json::object();      ///< e.g. {"calibration_ppl": ...}
    PlanRepair repair;  ///< training-free correction applied after the operations

    /// Sublayer/block drops as an ablation (merges are not expressible as one).
    Ablation dropAblation() const;
    /// Attention and FFN sublayers removed (a merge of k blocks removes 2(k−1)).
    int64_t removedSublayers() const;
    /// Blocks of the pruned model that compute something: not dropped, not merged into
    /// another, not stripped of both sublayers.
    int64_t keptBlocks() const;
};

/// Attention and FFN sublayers that `operations` (non-overlapping) remove: a block drop counts
/// two, a merge of k blocks 2(k−1).
int64_t removedSublayers(const std::vector<PlanOperation>& operations);

nlohmann::json planToJson(const PruningPlan& plan);

/// Parses and validates plan JSON: schema version, operation kinds, layer ranges against
/// `layers`, overlapping or repeated operations. Throws `Error` naming `source` and the field.
PruningPlan planFromJson(const std::string& text, const std::string& source);

/// Reads the plan and, for a linear repair, its matrices from repairWeightsPath(path).
PruningPlan readPlan(const std::filesystem::path& path);

/// Writes atomically (temporary file + rename), a linear repair's matrices first (beside it);
/// throws `Error` naming the file.
void writePlan(const std::filesystem::path& path, const PruningPlan& plan);

/// Throws `Error` when `plan` was made for another model: "<plan>: made for model
/// <fingerprint> (llama, 16 layers), but <model> has fingerprint <fp>".
void checkPlanMatchesModel(const PruningPlan& plan, const std::string& modelFingerprint,
                           const std::string& modelDescription, const std::string& planSource);

}  // namespace lamina
