// The compute side of cached pruning: loads the model and runs the method.
#include <chrono>
#include <optional>

#include "analysis/cached_analysis.h"
#include "model/device.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "pruning/cached_pruning.h"
#include "pruning/cached_pruning_internal.h"
#include "pruning/model_scoring_context.h"
#include "pruning/trajectory_records.h"
#include "store/results_store.h"

namespace lamina {

PruneReport pruneWithCache(PruneRequest r, ResultsStore& store, const ProgressFn& progress,
                           std::shared_ptr<const Model> model) {
    const auto start = std::chrono::steady_clock::now();
    // A loaded model's dtype is what the trajectory is computed in, so what it is filed under.
    if (model) r.compute = computeDtypeOf(*model);
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (auto cached = pruneFromStore(r, store)) {
        cached->seconds = elapsed();
        return *cached;
    }
    if (!model) {
        LoadOptions load;
        load.compute = r.compute;
        load.weights = r.weights;
        load.device = parseDevice(r.device);
        model = loadModel(r.model, load);
    }
    const std::string modelFp = modelFingerprint(r.model);
    CalibrationSet calibration = resolveCalibration(r.data, r.model, modelFp);
    const StagedProgress stages(progress, {calibration.windows.ids.empty() ? 0.1 : 0.0, 1.0});
    ensureCalibrationIds(calibration, *model, store, modelFp, stages.stage(0));
    const bool sizes = r.options.method->searchesSizes;
    std::optional<Trajectory> stored;
    if (sizes) {
        // A search grows its stored trajectory by the sizes it has not answered yet.
        internal::addSeeds(r, store, modelFp, calibration.fingerprint, model->config);
        if (const auto record = store.find(trajectoryQuery(r.options.method.name(), internal::computeParameters(r),
                                                           modelFp, calibration.fingerprint))) {
            stored = trajectoryFromRecord(*record);
        }
    }
    PruneOptions options = r.options;
    options.maxSteps = stepsNeeded(r, model->numLayers());
    if (sizes) {
        const std::vector<int64_t> all = internal::sizesNeeded(r, model->numLayers());
        options.evo.sizes = stored ? internal::missingSizes(*stored, all) : all;
    }
    ModelScoringContext context(*model, calibration, r.policy);
    Trajectory t = runPruning(context, options, stages.stage(1));
    if (stored) t = internal::mergeSizes(std::move(*stored), t);
    t.parameters = internal::computeParameters(r);
    t.requestedSteps = sizes ? 0 : options.maxSteps;
    store.put(toRecord(t, modelFp, calibration.fingerprint));
    PruneReport report = internal::finishReport(r, std::move(t), std::move(calibration), modelFp,
                                                model->config);
    report.computed = true;
    report.seconds = elapsed();
    return report;
}

}  // namespace lamina
