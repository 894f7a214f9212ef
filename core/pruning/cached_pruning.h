#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/calibration.h"
#include "data/calibration_request.h"
#include "model/compute_dtype.h"
#include "pruning/plan.h"
#include "pruning/prune_options.h"
#include "pruning/scoring_context.h"
#include "pruning/trajectory.h"

namespace lamina {

struct Model;
class ResultsStore;

/// A pruning run as the user asks for it. Exactly one stopping rule: `ratio` (fraction of the
/// 2L sublayers to remove), `steps`, or — SLM only — `useThreshold` (options.slm.threshold).
struct PruneRequest {
    std::filesystem::path model;
    CalibrationRequest data;
    ComputeDtype compute = ComputeDtype::Float32;
    WeightResidence weights = WeightResidence::Mapped;
    /// "cpu", "cuda" or "cuda:N" (model/device.h); the greedy methods only. Not part of the
    /// results' key: a device computes the same method, up to float rounding.
    std::string device = "cpu";
    PruneOptions options;
    ScoringPolicy policy;  ///< not part of the results' key: every policy computes the same
    double ratio = -1;
    /// Methods that search sizes (MethodTraits::searchesSizes): every ratio here is searched
    /// too; the plan is `ratio`'s.
    std::vector<double> ratios;
    int64_t steps = 0;
    bool useThreshold = false;
};

struct PruneReport {
    Trajectory trajectory;     ///< as computed or stored (may be longer than the plan)
    std::size_t planSteps = 0; ///< how many of its steps the plan applies
    PruningPlan plan;
    CalibrationSet calibration;
    std::string modelFingerprint;
    bool computed = false;     ///< false: answered from the results store
    double seconds = 0;
};

/// Throws `Error` unless exactly one stopping rule is set and fits the method.
void checkStoppingRule(const PruneRequest& request);

/// Steps the trajectory must have to answer the request (0: all).
int64_t stepsNeeded(const PruneRequest& request, int64_t numLayers);

/// The report when the store already holds a long enough trajectory for the request (no
/// libtorch needed), else nullopt.
std::optional<PruneReport> pruneFromStore(const PruneRequest& request, const ResultsStore& store);

/// Answers from the store when possible, otherwise runs the method (loading the model unless
/// given) and stores the trajectory (and self-generated calibration ids). A given model's
/// compute dtype replaces the request's.
PruneReport pruneWithCache(PruneRequest request, ResultsStore& store,
                           const ProgressFn& progress = {},
                           std::shared_ptr<const Model> model = nullptr);

}  // namespace lamina
