#include "pruning/model_scoring_context.h"

#include <algorithm>

#include "analysis/analyzer.h"
#include "analysis/weight_scores.h"
#include "common/error.h"
#include "common/shared_work.h"
#include "eval/perplexity.h"
#include "pruning/greedy.h"
#include "pruning/shared_scoring.h"
#include "pruning/slm.h"

namespace lamina {

ModelScoringContext::ModelScoringContext(const Model& model, const CalibrationSet& calibration, ScoringPolicy policy)
    : mModel(model), mCalibration(calibration), mPolicy(policy) {
    if (calibration.windows.numWindows == 0) throw Error("pruning: the calibration set is empty");
    mBatch = autoBatchWindows(calibration.windows, model.config.vocabSize, policy.batchWindows);
}

const ModelConfig& ModelScoringContext::config() const { return mModel.config; }

int64_t ModelScoringContext::numWindows() const { return mCalibration.windows.numWindows; }

Trajectory ModelScoringContext::greedy(const GreedySearch& search, const ProgressFn& progress) {
    GreedyOptions g;
    g.candidates = search.candidates;
    g.criterion = search.criterion;
    g.divergence = search.divergence;
    g.maxSteps = search.maxSteps;
    g.prefixReuse = mPolicy.prefixReuse;
    g.boundedSearch = mPolicy.boundedSearch;
    g.group = mPolicy.group;
    g.batchWindows = mBatch;
    return greedyRemoval(mModel, mCalibration.windows, g, progress);
}

// The evaluations are independent and so shared among the group's ranks (rank r evaluates
// those ≡ r mod size); every rank gets every value.
std::vector<double> ModelScoringContext::perplexities(const std::vector<Ablation>& ablations,
                                                      const ProgressFn& progress) {
    const std::vector<std::size_t> mine = ownedJobs(mPolicy.group, ablations.size());
    std::vector<double> values;
    reportProgress(progress, 0, static_cast<int64_t>(mine.size()));
    for (const std::size_t i : mine) {
        values.push_back(evaluatePerplexity(mModel, mCalibration.windows, ablations[i], mBatch).perplexity);
        reportProgress(progress, static_cast<int64_t>(values.size()), static_cast<int64_t>(mine.size()));
    }
    return gatherJobs(mPolicy.group, std::vector<std::size_t>(ablations.size(), 1), values);
}

std::vector<double> ModelScoringContext::removalPerplexities(const std::vector<Unit>& units,
                                                             const ProgressFn& progress) {
    RemovalOptions r;
    r.batchWindows = mBatch;
    return scoreUnitsShared(mPolicy.group, mModel, mCalibration.windows, units, r, {}, progress).perplexity;
}

std::vector<double> ModelScoringContext::taylorScores(const std::vector<Unit>& units, int normPower,
                                                      const ProgressFn& progress) {
    // Backward chunks of at most 256 tokens bound the activations autograd keeps.
    const int64_t chunk = std::clamp<int64_t>(256 / mCalibration.windows.seqLen, 1, mBatch);
    const WeightScores ws = lamina::taylorScores(mModel, mCalibration.windows, normPower, chunk, progress);
    std::vector<double> scores;
    for (const Unit& u : units) {
        for (std::size_t k = 0; k < ws.units.size(); ++k) {
            if (ws.units[k] == u) scores.push_back(ws.values[k]);
        }
    }
    return scores;
}

ImportanceScores ModelScoringContext::analysisMetric(Metric metric, const ProgressFn& progress) {
    AnalysisOptions o;
    o.metrics = {metric};
    o.batchWindows = mBatch;
    return runAnalysis(mModel, mCalibration, o, progress).importances.at(0);
}

// Candidates are shared among the group's ranks like perplexities(); each rank bounds its own
// share by the values it has, which abandons only candidates that could not survive anyway.
SetScores ModelScoringContext::setDivergences(const SetScoring& scoring, const ProgressFn& progress) {
    if (!mSets) mSets = std::make_unique<SetScorer>(mModel, mCalibration.windows, mBatch);
    const std::vector<std::size_t> mine = ownedJobs(mPolicy.group, scoring.candidates.size());
    SetScoring share = scoring;
    share.candidates.clear();
    for (const std::size_t i : mine) share.candidates.push_back(scoring.candidates[i]);
    SetScores got = mSets->score(share, progress);
    SetScores all;
    all.values = gatherJobs(mPolicy.group, std::vector<std::size_t>(scoring.candidates.size(), 1), got.values);
    const std::vector<double> cost = gatherJobs(mPolicy.group, std::vector<std::size_t>(groupSize(mPolicy.group), 1),
                                                {got.evaluations});
    for (const double c : cost) all.evaluations += c;
    return all;
}

Trajectory ModelScoringContext::slidingMerge(const SlmOptions& options, const ProgressFn& progress) {
    SlmOptions s = options;
    s.batchWindows = mBatch;
    return runSlm(mModel, mCalibration.windows, s, progress).trajectory;
}

Trajectory runPruning(const Model& model, const CalibrationSet& calibration, const PruneOptions& options,
                      const ScoringPolicy& policy, const ProgressFn& progress) {
    checkPruneOptions(options);
    ModelScoringContext context(model, calibration, policy);
    return runPruning(context, options, progress);
}

}  // namespace lamina
