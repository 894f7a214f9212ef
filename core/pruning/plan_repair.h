#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lamina {

struct PlanOperation;

/// Training-free repair after a cut (docs/pruning.md "Repair"): `Linear` is ReplaceMe's least
/// squares map folded into the output projection of the last kept sublayer before the cut;
/// `Rescale` closes the cut's magnitude gap (Prune&Comp) by scaling the output projections of
/// every sublayer after it.
enum class RepairKind { None, Linear, Rescale };

RepairKind parseRepairKind(const std::string& text);  ///< "none" | "linear" | "rescale"; throws `Error`
std::string repairKindName(RepairKind kind);

/// Sublayer positions in the unpruned model: 2·layer for attention, 2·layer + 1 for the FFN;
/// -1 stands for the embedding.
int64_t sublayerPosition(int64_t layer, bool mlp);
std::string positionLabel(int64_t position);  ///< "attn.3", "mlp.3", "embed"

/// One cut and its correction. The pruned model's output of `carrier` (a kept sublayer, or the
/// embedding) is followed by the unpruned model's positions up to `through` that the pruned
/// model no longer computes (dropped sublayers, or the rest of a merged window).
struct RepairSite {
    int64_t carrier = -1;
    int64_t through = -1;
    /// Linear: T (d × d, row-major, float32), the carrier's output x becomes x·T.
    std::vector<float> matrix;
    /// Rescale: every sublayer output after the carrier is multiplied by this.
    double scale = 1.0;
    std::string skipped;  ///< why this site is left as it is (e.g. a tied embedding)
};

/// The repair of a plan: its kind, the fitted parameters per cut, and what they were fitted on.
struct PlanRepair {
    RepairKind kind = RepairKind::None;
    std::vector<RepairSite> sites;
    nlohmann::json calibration = nlohmann::json::object();
    nlohmann::json fit = nlohmann::json::object();  ///< how the fit went (tokens, seconds, ...)
    int64_t hidden = 0;                             ///< d, the matrices' size
    std::string weightsFingerprint;  ///< as the plan file records it (checked on reading)
    bool active() const { return kind != RepairKind::None; }
};

/// The cuts of `operations` (non-overlapping, on a `layers`-block model), in depth order:
/// after every kept sublayer (or the embedding) that is followed by positions the pruned model
/// lacks, and after every merged block's FFN.
std::vector<RepairSite> repairSites(const std::vector<PlanOperation>& operations, int64_t layers);

/// The plan file's "repair" object. Linear matrices live in the sidecar file beside the plan
/// (repairWeightsPath), identified here by a fingerprint of their bytes.
nlohmann::json repairToJson(const PlanRepair& repair);

/// 16 hex digits over the linear matrices' bytes ("" when there are none).
std::string repairWeightsFingerprint(const PlanRepair& repair);

/// Parses "repair" and checks its sites against the plan's cuts; throws `Error` naming `source`
/// and the field. Matrices are not loaded (see readRepairWeights).
PlanRepair repairFromJson(const nlohmann::json& json, const std::string& source,
                          const std::vector<PlanOperation>& operations, int64_t layers);

/// The sidecar of the plan at `planPath`: "<plan>.repair.safetensors".
std::filesystem::path repairWeightsPath(const std::filesystem::path& planPath);

/// Writes the linear matrices (atomically).
void writeRepairWeights(const std::filesystem::path& path, const PlanRepair& repair);

/// Loads the matrices of `repair` from `path`, checking names, shapes and the plan's
/// weightsFingerprint; throws `Error` naming the file.
void readRepairWeights(const std::filesystem::path& path, PlanRepair& repair);

}  // namespace lamina
