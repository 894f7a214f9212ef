#include "workbench/workbench.h"

#include <chrono>
#include <mutex>
#include <optional>

#include "analysis/model_comparison.h"
#include "common/clock.h"
#include "common/error.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/export.h"
#include "pruning/slm.h"
#include "pruning/sweep_records.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer_for_model.h"

namespace lamina {

struct Workbench::Impl {
    std::filesystem::path modelPath;
    ModelSummary summary;
    std::string fingerprint;
    std::shared_ptr<const Model> model;
    std::shared_ptr<ResultsStore> store;
    std::unique_ptr<Tokenizer> tokenizer;  // loaded on first use
    std::mutex mutex;       // one long computation at a time
    std::mutex checkMutex;  // checkPlan runs beside them: the model is immutable, the store thread-safe

    CalibrationSet calibration(const CalibrationRequest& data, const ProgressFn& progress) {
        CalibrationSet set = resolveCalibration(data, modelPath, fingerprint);
        ensureCalibrationIds(set, *model, *store, fingerprint, progress);
        return set;
    }

    // checkPlan's calibration set and the unpruned model's outputs on it, kept between clicks
    // (re-reading a text file or the store, or rerunning the unpruned model, on every click
    // would be wasted work).
    CalibrationRequest checkRequest;
    std::optional<CalibrationSet> checkSet;
    std::unique_ptr<ReferenceOutputs> reference;

    ReferenceOutputs& checkReference(const CalibrationRequest& data, const ProgressFn& progress) {
        const CalibrationRequest& r = checkRequest;
        const bool same = checkSet && r.text == data.text && r.tokenizer == data.tokenizer &&
                          r.seqLen == data.seqLen && r.windows == data.windows && r.bos == data.bos &&
                          r.seed == data.seed;
        if (!same) {
            // Generating a self-generated set can take seconds: forward cancellation only (the
            // check's own progress starts after it).
            const ProgressFn cancelOnly = [&progress](int64_t, int64_t) { return !progress || progress(0, 1); };
            reference.reset();
            checkSet.reset();
            checkSet = calibration(data, cancelOnly);
            checkRequest = data;
            // The analysis's batch, so that a click scores what the importance curve shows.
            const int64_t batch = autoBatchWindows(checkSet->windows, model->config.vocabSize, 0);
            reference = std::make_unique<ReferenceOutputs>(*model, checkSet->windows, batch);
        }
        return *reference;
    }
};

Workbench::Workbench(std::unique_ptr<Impl> impl) : mImpl(std::move(impl)) {}
Workbench::~Workbench() = default;

std::shared_ptr<Workbench> Workbench::open(const std::filesystem::path& model,
                                           const std::filesystem::path& results,
                                           const ProgressFn& progress) {
    auto impl = std::make_unique<Impl>();
    impl->modelPath = model;
    impl->summary = describeModel(model);
    impl->fingerprint = modelFingerprint(model);
    LoadOptions load;
    load.progress = progress;
    impl->model = loadModel(model, load);
    impl->store = ResultsStore::open(results);
    return std::shared_ptr<Workbench>(new Workbench(std::move(impl)));
}

const std::filesystem::path& Workbench::modelPath() const { return mImpl->modelPath; }
const ModelSummary& Workbench::summary() const { return mImpl->summary; }
const std::string& Workbench::fingerprint() const { return mImpl->fingerprint; }
ResultsStore& Workbench::store() { return *mImpl->store; }

AnalysisReport Workbench::analyze(AnalysisRequest request, const ProgressFn& progress) {
    const std::lock_guard<std::mutex> lock(mImpl->mutex);
    request.model = mImpl->modelPath;
    return analyzeWithCache(request, *mImpl->store, progress, mImpl->model);
}

PruneReport Workbench::prune(PruneRequest request, const ProgressFn& progress) {
    const std::lock_guard<std::mutex> lock(mImpl->mutex);
    request.model = mImpl->modelPath;
    return pruneWithCache(request, *mImpl->store, progress, mImpl->model);
}

std::vector<SlmSweepEntry> Workbench::sweepMerges(const CalibrationRequest& data,
                                                  const SlmOptions& options,
                                                  const ProgressFn& progress) {
    const std::lock_guard<std::mutex> lock(mImpl->mutex);
    const StagedProgress stages(progress, {0.1, 1.0});
    const CalibrationSet set = mImpl->calibration(data, stages.stage(0));
    const std::string params = nlohmann::json{{"formula", mergeFormulaName(options.formula)},
                                              {"lowest", options.lowest},
                                              {"highest", options.highest}}
                                   .dump();
    const ResultMeta query = sweepQuery(params, mImpl->fingerprint, set.fingerprint);
    if (const auto stored = mImpl->store->find(query)) return sweepFromRecord(*stored);
    std::vector<SlmSweepEntry> sweep = sweepSlm(*mImpl->model, set.windows, options, stages.stage(1));
    mImpl->store->put(toRecord(query, sweep));
    return sweep;
}

PlanCheck Workbench::checkPlan(const PruningPlan& plan, const CalibrationRequest& data,
                               const ProgressFn& progress) {
    const std::lock_guard<std::mutex> lock(mImpl->checkMutex);
    const auto t0 = std::chrono::steady_clock::now();
    Impl& s = *mImpl;
    ReferenceOutputs& reference = s.checkReference(data, progress);
    PlanCheck c;
    if (plan.operations.empty()) {
        c.basePerplexity = c.perplexity = reference.basePerplexity(progress);
    } else {
        const ModelComparison m = reference.compare(*applyPlan(*s.model, plan), progress);
        c.perplexity = m.perplexity;
        c.basePerplexity = m.basePerplexity;
        c.divergence = m.divergence;
    }
    c.seconds = secondsSince(t0);
    return c;
}

std::vector<TaskOutcome> Workbench::evaluate(const EvalRequest& request, const PruningPlan* plan,
                                             const ProgressFn& progress) {
    const std::lock_guard<std::mutex> lock(mImpl->mutex);
    Impl& s = *mImpl;
    if (!s.tokenizer) s.tokenizer = tokenizerForModel(s.modelPath, s.model->config.vocabSize, "");
    const bool pruned = plan != nullptr && !plan->operations.empty();
    const auto model = pruned ? applyPlan(*s.model, *plan) : s.model;
    const EvalSubject subject{model.get(), s.tokenizer.get(), s.fingerprint,
                              pruned ? planToJson(*plan)["operations"] : nlohmann::json()};
    return runEvaluation(subject, request, s.store.get(), progress);
}

void Workbench::exportModel(const PruningPlan& plan, const std::filesystem::path& out,
                            const std::string& format, const ProgressFn& progress) {
    const std::size_t colon = format.find(':');
    std::optional<GgufTensorType> ggufType;
    if (colon != std::string::npos) ggufType = parseGgufTensorType(format.substr(colon + 1), "GGUF type");
    const ExportFormat f = parseExportFormat(format.substr(0, colon));
    const std::lock_guard<std::mutex> lock(mImpl->mutex);
    exportPrunedModel(*mImpl->model, plan, mImpl->modelPath, out, f, progress, ggufType);
}

PruningPlan Workbench::makePlan(std::vector<PlanOperation> operations, nlohmann::json method) const {
    PruningPlan p;
    p.modelFingerprint = mImpl->fingerprint;
    p.family = mImpl->summary.config.family;
    p.layers = mImpl->summary.config.numLayers;
    p.method = std::move(method);
    p.operations = std::move(operations);
    return p;
}

}  // namespace lamina
