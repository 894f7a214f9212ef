#include <chrono>
#include <cstdio>
#include <optional>

#include "analysis/model_comparison.h"
#include "args.h"
#include "commands.h"
#include "common/error.h"
#include "common/mapped_file.h"
#include "common/runtime.h"
#include "console.h"
#include "eval/perplexity.h"
#include "model/device.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/plan.h"
#include "tokenizer/tokenizer_for_model.h"

namespace lamina::cli {

int runPpl(const std::vector<std::string>& argv) {
    const Args args(argv,
                    {"text", "seq", "windows", "bos", "score-from", "batch", "threads", "dtype", "weights", "tokenizer", "plan",
                     "device", "divergence"},
                    {"json"});
    const std::string modelPath = args.positional("MODEL");
    const std::string textPath = args.required("text");
    const int64_t seq = args.requiredInteger("seq", 2, 1 << 20);
    const int64_t maxWindows = args.integer("windows", 0, 0, int64_t{1} << 40);
    const int64_t batch = args.integer("batch", 8, 1, 4096);
    const BosPolicy bos = parseBosPolicy(args.valueOr("bos", "first"));
    const int64_t scoreFrom = args.integer("score-from", 0, 0, seq - 2);
    const ComputeDtype compute = computeDtype(args);
    const int threads = configureRuntime(static_cast<int>(args.integer("threads", 0, 0, 1024)));
    const at::Device device = parseDevice(args.valueOr("device", "cpu"));

    const auto t0 = std::chrono::steady_clock::now();
    LoadOptions load;
    load.compute = compute;
    load.weights = weightResidence(args);
    load.progress = consoleProgress("loading");
    std::shared_ptr<const Model> model = loadModel(modelPath, load);
    const std::shared_ptr<const Model> unpruned = model;
    std::optional<Divergence> divergence;
    if (const auto d = args.value("divergence")) {
        divergence = parseDivergence(*d);
        if (!args.value("plan")) throw Error("option --divergence: compares a --plan with the unpruned model; give --plan");
        if (device.type() != at::kCPU) throw Error("option --divergence: on the cpu only");
    }
    std::optional<PruningPlan> plan;
    if (const auto planPath = args.value("plan")) {  // evaluate the pruned model in memory
        plan = readPlan(*planPath);
        checkPlanMatchesModel(*plan, modelFingerprint(modelPath), modelPath, *planPath);
        model = applyPlan(*model, *plan);
    }
    model = placeOnDevice(model, device);  // after the plan: it is applied to CPU tensors
    const auto tokenizer =
        tokenizerForModel(modelPath, model->config.vocabSize, args.valueOr("tokenizer", ""));
    const double loadSeconds = secondsSince(t0);

    const auto t1 = std::chrono::steady_clock::now();
    const std::string text = readTextFile(textPath, std::size_t{1} << 30);
    const auto tokens = tokenizer->encode(text, false);
    const auto bosId = tokenizer->bosId().value_or(model->config.bosTokenId.value_or(1));
    const TokenWindows windows = [&] {
        try {
            return makeWindows(tokens, seq, bos, static_cast<TokenId>(bosId), maxWindows);
        } catch (const Error& e) {
            throw Error(textPath + ": " + e.what());  // e.g. an empty file: say which
        }
    }();
    const double tokenizeSeconds = secondsSince(t1);

    const auto t2 = std::chrono::steady_clock::now();
    const PerplexityResult r =
        evaluatePerplexity(*model, windows, {}, batch, consoleProgress("perplexity"), scoreFrom);
    const double evalSeconds = secondsSince(t2);
    const double tokensPerSecond = windows.numWindows * seq / evalSeconds;
    // The pruned model's mean divergence per position from the unpruned one (what FinerCut and
    // evo minimise), by whole forwards of both.
    std::optional<double> meanDivergence;
    if (divergence) {
        ReferenceOutputs reference(*unpruned, windows, batch, *divergence);
        meanDivergence = reference.compare(*model, consoleProgress("divergence")).divergence;
    }

    if (args.flag("json")) {
        printJson({{"ppl", r.perplexity},
                   {"nll", r.meanNll},
                   {"tokens", r.tokens},
                   {"windows", r.windows},
                   {"seq", seq},
                   {"bos", bosPolicyName(bos)},
                   {"score_from", scoreFrom},
                   {"text_tokens", windows.sourceTokens},
                   {"dtype", computeDtypeName(compute)},
                   {"threads", threads},
                   {"device", device.str()},
                   {"seconds",
                    {{"load", loadSeconds}, {"tokenize", tokenizeSeconds}, {"eval", evalSeconds}}},
                   {"tokens_per_second", tokensPerSecond},
                   {"layers", model->numLayers()},
                   {"divergence", meanDivergence ? nlohmann::json(*meanDivergence) : nlohmann::json()},
                   {"divergence_kind", divergence ? nlohmann::json(divergenceName(*divergence)) : nlohmann::json()},
                   {"plan", plan ? nlohmann::json(planToJson(*plan)["method"]) : nlohmann::json()}});
        return 0;
    }
    std::printf(
        "perplexity %.4f  (mean NLL %.5f over %lld predicted tokens, %lld windows of "
        "%lld, BOS %s)\n",
        r.perplexity, r.meanNll, static_cast<long long>(r.tokens),
        static_cast<long long>(r.windows), static_cast<long long>(seq), bosPolicyName(bos).c_str());
    if (meanDivergence) {
        std::printf("divergence %.6g  (%s from the unpruned model, mean per position)\n", *meanDivergence,
                    divergenceName(*divergence).c_str());
    }
    std::printf(
        "time       load %.2fs, tokenize %.2fs, evaluate %.2fs (%.0f tokens/s, %d threads)\n",
        loadSeconds, tokenizeSeconds, evalSeconds, tokensPerSecond, threads);
    return 0;
}

}  // namespace lamina::cli
