#include "workbench/workbench.h"

#include <chrono>
#include <mutex>
#include <optional>

#include "analysis/model_comparison.h"
#include "common/clock.h"
#include "common/error.h"
#include "eval/perplexity.h"
#include "model/fingerprint.h"
#include "model/generation.h"
#include "model/logit_lens.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/export.h"
#include "pruning/plan_identity.h"
#include "pruning/repair.h"
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
    std::mutex tokenizerMutex;
    std::mutex mutex;       // one long computation at a time
    // checkPlan runs beside the long computations (the model is immutable, the store
    // thread-safe), not beside compare's generation, whose speed the Compare view shows.
    std::mutex checkMutex;

    // The last comparison's unpruned side: following the plan regenerates only the pruned one.
    std::mutex generateMutex;
    std::optional<CompareRequest> unprunedRequest;
    GeneratedText unprunedText;

    const Tokenizer& tokenizerOf() {
        const std::lock_guard<std::mutex> lock(tokenizerMutex);
        if (!tokenizer) tokenizer = tokenizerForModel(modelPath, model->config.vocabSize, "");
        return *tokenizer;
    }

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
                               const ProgressFn& progress, RepairKind repair) {
    const std::lock_guard<std::mutex> lock(mImpl->checkMutex);
    const auto t0 = std::chrono::steady_clock::now();
    Impl& s = *mImpl;
    ReferenceOutputs& reference = s.checkReference(data, progress);
    PlanCheck c;
    if (plan.operations.empty()) {
        c.basePerplexity = c.perplexity = c.repairedPerplexity = reference.basePerplexity(progress);
        c.seconds = secondsSince(t0);
        return c;
    }
    const bool repaired = repair != RepairKind::None && !repairSites(plan.operations, plan.layers).empty();
    const StagedProgress stages(progress, repaired ? std::vector<double>{1.0, 0.5, 1.0} : std::vector<double>{1.0});
    PruningPlan bare = plan;
    bare.repair = {};
    const ModelComparison m = reference.compare(*applyPlan(*s.model, bare), stages.stage(0));
    c.perplexity = c.repairedPerplexity = m.perplexity;
    c.basePerplexity = m.basePerplexity;
    c.divergence = c.repairedDivergence = m.divergence;
    if (repaired) {
        bare.repair = fitRepair(*s.model, bare, repair, s.checkSet->windows, 0, stages.stage(1));
        const ModelComparison r = reference.compare(*applyPlan(*s.model, bare), stages.stage(2));
        c.repair = repair;
        c.repairedPerplexity = r.perplexity;
        c.repairedDivergence = r.divergence;
    }
    c.seconds = secondsSince(t0);
    return c;
}

std::vector<double> Workbench::repairedTrajectory(const Trajectory& trajectory, RepairKind repair,
                                                  const CalibrationRequest& data, const ProgressFn& progress) {
    const std::lock_guard<std::mutex> lock(mImpl->mutex);
    Impl& s = *mImpl;
    const std::size_t n = trajectory.steps.size();
    std::vector<double> weights(n + 1, 1.0);
    weights[0] = 0.1;
    const StagedProgress stages(progress, weights);
    const CalibrationSet set = s.calibration(data, stages.stage(0));
    const int64_t batch = autoBatchWindows(set.windows, s.model->config.vocabSize, 0);
    std::vector<double> ppl;
    for (std::size_t k = 1; k <= n; ++k) {
        const StagedProgress step(stages.stage(k), {1.0, 1.0});
        PruningPlan plan = makePlan(trajectory.operations(k, MergeFormula::Rdsc), nlohmann::json::object());
        plan.repair = fitRepair(*s.model, plan, repair, set.windows, 0, step.stage(0));
        ppl.push_back(evaluatePerplexity(*applyPlan(*s.model, plan), set.windows, {}, batch, step.stage(1)).perplexity);
    }
    return ppl;
}

PruningPlan Workbench::withRepair(PruningPlan plan, RepairKind repair, const CalibrationRequest& data,
                                  const ProgressFn& progress) {
    plan.repair = {};
    if (repair == RepairKind::None || plan.operations.empty()) return plan;
    const std::lock_guard<std::mutex> lock(mImpl->mutex);
    const StagedProgress stages(progress, {0.1, 1.0});
    const CalibrationSet set = mImpl->calibration(data, stages.stage(0));
    plan.repair = fitRepair(*mImpl->model, plan, repair, set.windows, 0, stages.stage(1));
    plan.repair.calibration = {{"kind", set.kind}, {"description", set.description}, {"fingerprint", set.fingerprint}};
    return plan;
}

std::vector<TaskOutcome> Workbench::evaluate(const EvalRequest& request, const PruningPlan* plan,
                                             const ProgressFn& progress) {
    const std::lock_guard<std::mutex> lock(mImpl->mutex);
    Impl& s = *mImpl;
    const Tokenizer& tokenizer = s.tokenizerOf();
    const bool pruned = plan != nullptr && !plan->operations.empty();
    const auto model = pruned ? applyPlan(*s.model, *plan) : s.model;
    const EvalSubject subject{model.get(), &tokenizer, s.fingerprint,
                              pruned ? planIdentity(*plan) : nlohmann::json()};
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

namespace {

bool sameRequest(const CompareRequest& a, const CompareRequest& b) {
    return a.prompt == b.prompt && a.newTokens == b.newTokens && a.temperature == b.temperature && a.topP == b.topP &&
           a.seed == b.seed;
}

// Encodes a prompt as generation starts from it: with the tokenizer's special tokens (BOS).
std::vector<TokenId> promptIds(const Tokenizer& tokenizer, const std::string& prompt) {
    std::vector<TokenId> ids = tokenizer.encode(prompt, true);
    if (ids.empty()) throw Error("generation: the prompt encodes to no tokens");
    return ids;
}

// The text token `i` of `tokens` adds after the tokens before it (the prompt's last one
// first, so a leading space survives SentencePiece-style decoding). Decoding is local (a
// character spans at most 4 byte tokens), so 8 tokens of context do: decoding the whole
// prefix for every token made a long generation quadratic.
std::string pieceOf(const Tokenizer& tokenizer, TokenId last, const std::vector<TokenId>& tokens, std::size_t i) {
    const std::size_t from = i > 7 ? i - 7 : 0;
    std::vector<TokenId> ids = {from == 0 ? last : tokens[from - 1]};
    ids.insert(ids.end(), tokens.begin() + static_cast<long>(from), tokens.begin() + static_cast<long>(i));
    const std::string before = tokenizer.decode(ids);
    ids.push_back(tokens[i]);
    const std::string after = tokenizer.decode(ids);
    return after.compare(0, before.size(), before) == 0 ? after.substr(before.size()) : tokenizer.decode({tokens[i]});
}

// Generates one side, updating `side` and calling `update` after every token.
void generateSide(const Model& model, const Tokenizer& tokenizer, const std::vector<TokenId>& prompt,
                  const CompareRequest& request, GeneratedText& side, const std::function<bool()>& update) {
    GenerateOptions o;
    o.maxNewTokens = request.newTokens;
    o.sampling.temperature = request.temperature;
    o.sampling.topP = request.topP;
    o.sampling.seed = request.seed;
    if (const auto eos = tokenizer.eosId()) o.stopTokens = {*eos};
    side = GeneratedText{};
    const auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point first;
    const Generation g = generate(model, {prompt}, o, [&](const std::vector<TokenId>& step) {
        side.tokens.push_back(step.front());
        side.pieces.push_back(pieceOf(tokenizer, prompt.back(), side.tokens, side.tokens.size() - 1));
        const auto now = std::chrono::steady_clock::now();
        if (side.tokens.size() == 1) {
            first = now;
            side.firstTokenSeconds = std::chrono::duration<double>(now - start).count();
        } else {
            side.tokensPerSecond = static_cast<double>(side.tokens.size() - 1) /
                                   std::chrono::duration<double>(now - first).count();
        }
        if (update && !update()) throw Cancelled();
        return true;
    });
    // The engine's own timings (they leave out decoding text and the updates).
    side.firstTokenSeconds = g.stats.prefillSeconds;
    if (g.stats.decodeSteps > 0) side.tokensPerSecond = static_cast<double>(g.stats.decodeSteps) / g.stats.decodeSeconds;
    side.done = true;
}

}  // namespace

int64_t Comparison::firstDifference() const {
    const std::size_t n = std::min(unpruned.tokens.size(), pruned.tokens.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (unpruned.tokens[i] != pruned.tokens[i]) return static_cast<int64_t>(i);
    }
    // One side stopped (EOS) where the other went on.
    const bool bothDone = unpruned.done && pruned.done;
    return bothDone && unpruned.tokens.size() != pruned.tokens.size() ? static_cast<int64_t>(n) : -1;
}

Comparison Workbench::compare(const PruningPlan& plan, const CompareRequest& request,
                              const std::function<bool(const Comparison&)>& onUpdate) {
    if (request.newTokens < 1) throw Error("generation: new tokens must be at least 1");
    Impl& s = *mImpl;
    const std::lock_guard<std::mutex> lock(s.generateMutex);
    const Tokenizer& tokenizer = s.tokenizerOf();
    const std::vector<TokenId> prompt = promptIds(tokenizer, request.prompt);
    Comparison c;
    const auto update = [&] { return !onUpdate || onUpdate(c); };
    if (s.unprunedRequest && sameRequest(*s.unprunedRequest, request)) {
        c.unpruned = s.unprunedText;
        if (!update()) throw Cancelled();
    } else {
        s.unprunedRequest.reset();
        // Not beside a plan check: both sides' speeds are measured on an otherwise idle engine.
        const std::lock_guard<std::mutex> alone(s.checkMutex);
        generateSide(*s.model, tokenizer, prompt, request, c.unpruned, update);
        s.unprunedRequest = request;
        s.unprunedText = c.unpruned;
    }
    const auto pruned = plan.operations.empty() ? s.model : applyPlan(*s.model, plan);
    const std::lock_guard<std::mutex> alone(s.checkMutex);
    generateSide(*pruned, tokenizer, prompt, request, c.pruned, update);
    return c;
}

LensResult Workbench::logitLens(const PruningPlan& plan, const std::string& prompt, int64_t position, int64_t k) {
    Impl& s = *mImpl;
    const std::lock_guard<std::mutex> lock(s.generateMutex);
    const Tokenizer& tokenizer = s.tokenizerOf();
    const std::vector<TokenId> ids = promptIds(tokenizer, prompt);
    LensResult view;
    for (const TokenId id : ids) view.promptPieces.push_back(tokenizer.decode({id}));
    view.position = position < 0 ? static_cast<int64_t>(ids.size()) - 1 : position;
    const auto rowsOf = [&](const Model& m) {
        std::vector<LensRow> rows;
        for (const LensReading& r : lamina::logitLens(m, ids, view.position, k)) {
            LensRow row;
            row.residual = r.residual;
            if (r.residual > 0) {
                const auto b = static_cast<std::size_t>(r.residual - 1);
                row.sourceBlock = m.sourceLayers.empty() ? r.residual - 1 : m.sourceLayers[b];
            }
            for (const TokenId t : r.tokens) row.pieces.push_back(tokenizer.decode({t}));
            row.probabilities = r.probabilities;
            rows.push_back(std::move(row));
        }
        return rows;
    };
    view.unpruned = rowsOf(*s.model);
    view.pruned = plan.operations.empty() ? view.unpruned : rowsOf(*applyPlan(*s.model, plan));
    return view;
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
