// `lamina-cli eval MODEL [--plan PLAN] (--tasks LIST | --protocol P) --data-dir DIR [--limit N]`:
// zero-shot accuracy and perplexity; with a plan also the unpruned baseline and the
// performance retained.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "args.h"
#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"
#include "console.h"
#include "mpi_group.h"
#include "eval/eval_table.h"
#include "eval/run_evaluation.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/plan.h"
#include "pruning/plan_identity.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer_for_model.h"

namespace lamina::cli {

namespace {

EvalRequest parseEvalRequest(const Args& args) {
    EvalRequest r;
    const auto protocol = args.value("protocol");
    const auto tasks = args.value("tasks");
    if (!protocol && !tasks) throw Error("give --tasks LIST or --protocol llm-pruner|finercut|sleb");
    if (protocol && *protocol != "custom") {
        r.protocol = evalPreset(*protocol);
    } else {
        r.protocol.name = "custom";
        if (!tasks) throw Error("--protocol custom needs --tasks LIST");
    }
    if (tasks) r.protocol.tasks = parseEvalTasks(*tasks);
    r.protocol.seqLen = args.integer("seq", r.protocol.seqLen, 2, 1 << 20);
    if (const auto bos = args.value("bos")) r.protocol.bos = parseBosPolicy(*bos);
    r.protocol.maxWindows = args.integer("windows", 0, 0, int64_t{1} << 40);
    r.protocol.zeroShotBos = args.flag("zero-shot-bos");
    r.dataDir = args.required("data-dir");
    r.limit = args.integer("limit", 0, 0, int64_t{1} << 40);
    r.scoring.maxLength = args.integer("max-length", 0, 0, 1 << 24);
    r.scoring.batchTokens = args.integer("batch-tokens", 4096, 16, 1 << 24);
    return r;
}

nlohmann::json metricJson(const MetricValue& m) {
    return {{"value", m.value}, {"stderr", m.standardError}};
}

nlohmann::json outcomesJson(const std::vector<TaskOutcome>& outcomes,
                            const std::vector<TaskOutcome>* baseline) {
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const TaskOutcome& t = outcomes[i];
        nlohmann::json metrics = nlohmann::json::object();
        for (const auto& [name, m] : t.metrics) metrics[name] = metricJson(m);
        nlohmann::json j = {{"task", t.task.name},
                            {"metric", t.task.metric},
                            {"value", t.headline().value},
                            {"stderr", t.headline().standardError},
                            {"items", t.items},
                            {"total_items", t.totalItems},
                            {"tokens", t.tokens},
                            {"cached", t.cached},
                            {"metrics", metrics}};
        if (!t.cached) {
            j["seconds"] = t.seconds;
            j["items_per_second"] = t.seconds > 0 ? t.items / t.seconds : 0.0;
        }
        if (baseline != nullptr && !t.task.perplexity) {
            const double base = (*baseline)[i].headline().value;
            j["retained"] = base > 0 ? nlohmann::json(t.headline().value / base) : nlohmann::json();
        }
        list.push_back(j);
    }
    return list;
}

void printTable(const char* title, const std::vector<TaskOutcome>& outcomes,
                const std::optional<double>& average) {
    std::printf("%s\n  %-15s %-9s %10s %9s %7s %10s\n", title, "task", "metric", "value", "± se",
                "items", "items/s");
    for (const TaskOutcome& t : outcomes) {
        const MetricValue& m = t.headline();
        const bool percent = !t.task.perplexity && t.task.metric != "ppl";
        char rate[32] = "cached";
        if (!t.cached) std::snprintf(rate, sizeof rate, "%.1f", t.seconds > 0 ? t.items / t.seconds : 0.0);
        std::printf("  %-15s %-9s %10.4f %9.4f %7lld %10s\n", t.task.name.c_str(),
                    t.task.metric.c_str(), percent ? 100 * m.value : m.value,
                    percent ? 100 * m.standardError : m.standardError,
                    static_cast<long long>(t.items), rate);
    }
    if (average) std::printf("  %-15s %-9s %10.4f\n", "average", "", 100 * *average);
}

// Rank 0's output: the CSV file, then JSON or the tables.
int report(const Args& args, const EvalRequest& request, int64_t layers, const std::optional<PruningPlan>& plan,
           const std::vector<TaskOutcome>& outcomes, const std::vector<TaskOutcome>* baseline, double seconds) {
    const auto average = zeroShotAverage(outcomes);
    const auto baseAverage = baseline != nullptr ? zeroShotAverage(*baseline) : std::nullopt;
    std::optional<double> retained;
    if (average && baseAverage && *baseAverage > 0) retained = *average / *baseAverage;
    if (const auto csv = args.value("csv")) {
        const std::string subject = plan ? plan->method.value("name", std::string("plan")) : "unpruned";
        std::vector<EvalTableRow> rows;
        for (const TaskOutcome& t : outcomes) rows.push_back({subject, &t});
        if (baseline != nullptr) {
            for (const TaskOutcome& t : *baseline) rows.push_back({"unpruned", &t});
        }
        writeEvaluationCsv(*csv, rows);
    }
    if (args.flag("json")) {
        nlohmann::json j = {{"protocol", request.protocol.name},
                            {"limit", request.limit},
                            {"seq", request.protocol.seqLen},
                            {"bos", bosPolicyName(request.protocol.bos)},
                            {"zero_shot_bos", request.protocol.zeroShotBos},
                            {"layers", layers},
                            {"plan", plan ? planToJson(*plan)["method"] : nlohmann::json()},
                            {"tasks", outcomesJson(outcomes, baseline)},
                            {"average", average ? nlohmann::json(*average) : nlohmann::json()},
                            {"seconds", seconds}};
        if (baseline != nullptr) {
            j["baseline"] = {{"tasks", outcomesJson(*baseline, nullptr)},
                             {"average", baseAverage ? nlohmann::json(*baseAverage) : nlohmann::json()}};
            j["retained"] = retained ? nlohmann::json(*retained) : nlohmann::json();
        }
        printJson(j);
        return 0;
    }
    printTable(plan ? "pruned model (zero-shot values in %)" : "model (zero-shot values in %)",
               outcomes, average);
    if (baseline != nullptr) {
        printTable("unpruned model", *baseline, baseAverage);
        if (retained) std::printf("performance retained %.2f%%\n", 100 * *retained);
    }
    std::printf("time %.1fs\n", seconds);
    return 0;
}

// One rank's part (the only process without MPI): rank 0 owns the results file and the output;
// the other ranks score their share of each zero-shot task's items and say nothing.
int evaluateAs(const std::vector<std::string>& argv, const MpiGroup* group) {
    const bool root = group == nullptr || group->rank() == 0;
    const Args args(argv,
                    {"plan", "tasks", "protocol", "data-dir", "limit", "seq", "bos", "windows",
                     "max-length", "batch-tokens", "results", "csv", "threads", "dtype", "weights", "tokenizer"},
                    {"json", "zero-shot-bos", "no-baseline"});
    const std::string modelPath = args.positional("MODEL");
    EvalRequest request = parseEvalRequest(args);
    request.scoring.group = group;
    const ComputeDtype compute = computeDtype(args);
    const std::string fingerprint = modelFingerprint(modelPath);
    std::optional<PruningPlan> plan;
    if (const auto planPath = args.value("plan")) {
        plan = readPlan(*planPath);
        checkPlanMatchesModel(*plan, fingerprint, modelPath, *planPath);
    }
    std::shared_ptr<ResultsStore> store;
    if (const auto results = args.value("results"); results && root) store = ResultsStore::open(*results);
    configureRuntime(threadsFor(static_cast<int>(args.integer("threads", 0, 0, 1024)), group));

    LoadOptions load;
    load.compute = compute;
    load.weights = weightResidence(args);
    if (root) load.progress = consoleProgress("loading");
    const std::shared_ptr<const Model> model = loadModel(modelPath, load);
    const auto tokenizer =
        tokenizerForModel(modelPath, model->config.vocabSize, args.valueOr("tokenizer", ""));

    const auto evaluate = [&](const Model& m, const nlohmann::json& ops, const char* label) {
        EvalSubject subject{&m, tokenizer.get(), fingerprint, ops};
        ProgressFn bar;  // one console bar per task, named after it
        return runEvaluation(
            subject, request, store.get(),
            [&](int64_t done, int64_t total) { return !bar || bar(done, total); },
            [&](const EvalTask& t) {
                if (root) bar = consoleProgress(std::string(label) + " " + t.name);
            });
    };
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<TaskOutcome> outcomes, baseline;
    const bool withBaseline = plan && !args.flag("no-baseline");
    if (plan) {
        const auto pruned = applyPlan(*model, *plan);
        outcomes = evaluate(*pruned, planIdentity(*plan), "pruned");
    } else {
        outcomes = evaluate(*model, nullptr, "eval");
    }
    if (withBaseline) baseline = evaluate(*model, nullptr, "unpruned");
    const double seconds = secondsSince(t0);
    if (!root) return 0;

    return report(args, request, model->numLayers(), plan, outcomes, withBaseline ? &baseline : nullptr, seconds);
}

}  // namespace

int runEval(const std::vector<std::string>& argv) {
    return runAsRank("eval", [&](const MpiGroup* group) { return evaluateAs(argv, group); });
}

}  // namespace lamina::cli
