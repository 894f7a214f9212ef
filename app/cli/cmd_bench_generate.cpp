// `lamina-cli bench --generate`: prefill and decode speed of the unpruned model and of a plan,
// side by side in one process, runs alternating, with the speedup a plan should give ideally.

#include <ATen/ATen.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"
#include "console.h"
#include "model/decode_step.h"
#include "model/device.h"
#include "model/fingerprint.h"
#include "model/generation.h"
#include "model/model.h"
#include "model/vector_kernels.h"
#include "pruning/apply_plan.h"
#include "pruning/plan.h"

namespace lamina::cli {

namespace {

// Work per generated token at `context` cached positions: matmul FLOPs, and bytes read
// (weights as the steps read them, plus the keys and values attended to). Embedding lookups
// and norms are left out: a row of the table per token, noise next to the matrices.
struct TokenCost {
    double flops = 0;
    double bytes = 0;
};

TokenCost tokenCost(const Model& m, double context) {
    const ModelConfig& c = m.config;
    // The step kernel reads float32 copies of weights held in another type (decode_step.h).
    const bool stepKernel = canDecodeStep(m);
    const auto bytesOf = [stepKernel](const at::Tensor& t) -> double {
        if (!t.defined()) return 0;
        return static_cast<double>(t.numel()) * (stepKernel ? 4 : static_cast<double>(t.element_size()));
    };
    TokenCost cost;
    for (const BlockWeights& b : m.blocks) {
        if (b.hasAttention()) {
            const AttentionWeights& a = b.attn;
            cost.bytes += bytesOf(a.wq) + bytesOf(a.wk) + bytesOf(a.wv) + bytesOf(a.wo);
            cost.flops += 2.0 * (a.wq.numel() + a.wk.numel() + a.wv.numel() + a.wo.numel());
            cost.flops += 2.0 * 2.0 * context * c.qDim();                     // scores, values
            cost.bytes += 2.0 * context * c.kvDim() * at::elementSize(m.computeType);  // K and V
        }
        if (b.hasMlp()) {
            const MlpWeights& f = b.mlp;
            cost.bytes += bytesOf(f.gate) + bytesOf(f.up) + bytesOf(f.down);
            cost.flops += 2.0 * (f.gate.numel() + f.up.numel() + f.down.numel());
        }
    }
    cost.bytes += bytesOf(m.lmHead);
    cost.flops += 2.0 * m.lmHead.numel();
    return cost;
}

struct Measured {
    double prefillSeconds = 1e30;  // best over the runs
    double decodeSeconds = 1e30;
    int64_t decodeSteps = 0;
    int64_t kvBytes = 0;
    double setupSeconds = 0;
    std::vector<TokenId> firstRow;
};

double peakRssMb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

int runBenchGenerate(const std::vector<std::string>& argv) {
    const Args args(argv,
                    {"plan", "prompt-tokens", "new-tokens", "batch", "repeat", "threads", "dtype", "weights",
                     "device", "seed"},
                    {"generate", "json"});
    const std::string modelPath = args.positional("MODEL");
    const int64_t P = args.integer("prompt-tokens", 256, 1, 1 << 16);
    const int64_t N = args.integer("new-tokens", 128, 2, 1 << 16);
    const int64_t repeat = args.integer("repeat", 3, 1, 1000);
    const std::vector<int64_t> batches = args.value("batch") ? args.integerList("batch", 1, 1024) : std::vector<int64_t>{1, 8};
    if (batches.empty()) throw Error("option --batch: expected batch sizes like 1,8");
    const int threads = configureRuntime(static_cast<int>(args.integer("threads", 0, 0, 1024)));
    LoadOptions load;
    load.compute = computeDtype(args);
    // Decoding reads every weight once per token: converting bf16 weights on each pass would
    // dominate, so the float32 copy is made once at load unless --weights says otherwise.
    load.weights = args.value("weights") ? weightResidence(args) : WeightResidence::Converted;
    const at::Device device = parseDevice(args.valueOr("device", "cpu"));
    std::shared_ptr<const Model> base = loadModel(modelPath, load);
    std::optional<PruningPlan> plan;
    std::shared_ptr<const Model> pruned;
    if (const auto planPath = args.value("plan")) {
        plan = readPlan(*planPath);
        checkPlanMatchesModel(*plan, modelFingerprint(modelPath), modelPath, *planPath);
        pruned = placeOnDevice(applyPlan(*base, *plan), device);
    }
    base = placeOnDevice(base, device);
    std::vector<std::pair<std::string, std::shared_ptr<const Model>>> models = {{"unpruned", base}};
    if (pruned) models.emplace_back("plan", pruned);

    GenerateOptions options;
    options.maxNewTokens = N;
    options.sampling.temperature = 0;  // greedy, no stop tokens: every run does the same work
    const uint64_t seed = static_cast<uint64_t>(args.integer("seed", 0, 0, int64_t{1} << 62));
    nlohmann::json rows = nlohmann::json::array();
    for (const int64_t B : batches) {
        at::manual_seed(seed);
        const at::Tensor ids = at::randint(0, base->config.vocabSize, {B, P}, at::kLong).contiguous();
        std::vector<std::vector<TokenId>> prompts(static_cast<std::size_t>(B));
        for (int64_t b = 0; b < B; ++b) {
            const int64_t* row = ids.data_ptr<int64_t>() + b * P;
            prompts[static_cast<std::size_t>(b)].assign(row, row + P);
        }
        std::vector<Measured> measured(models.size());
        GenerateOptions warm = options;
        warm.maxNewTokens = 2;
        for (const auto& [name, m] : models) generate(*m, prompts, warm);
        // Alternating runs, best of `repeat` for each model.
        for (int64_t r = 0; r < repeat; ++r) {
            for (std::size_t k = 0; k < models.size(); ++k) {
                const Generation g = generate(*models[k].second, prompts, options);
                Measured& x = measured[k];
                x.prefillSeconds = std::min(x.prefillSeconds, g.stats.prefillSeconds);
                x.decodeSeconds = std::min(x.decodeSeconds, g.stats.decodeSeconds);
                x.decodeSteps = g.stats.decodeSteps;
                x.kvBytes = g.stats.kvCacheBytes;
                x.setupSeconds = g.stats.setupSeconds;
                x.firstRow = g.tokens.front();
            }
        }
        for (std::size_t k = 0; k < models.size(); ++k) {
            const Measured& x = measured[k];
            const TokenCost decode = tokenCost(*models[k].second, static_cast<double>(P) + N / 2.0);
            const TokenCost prefill = tokenCost(*models[k].second, P / 2.0);
            nlohmann::json row = {{"model", models[k].first},
                                  {"batch", B},
                                  {"prefill_seconds", x.prefillSeconds},
                                  {"prefill_tokens_per_second", B * P / x.prefillSeconds},
                                  {"time_to_first_token", x.prefillSeconds},
                                  {"decode_seconds", x.decodeSeconds},
                                  {"decode_tokens_per_second", B * x.decodeSteps / x.decodeSeconds},
                                  {"decode_ms_per_step", 1e3 * x.decodeSeconds / x.decodeSteps},
                                  {"kv_cache_bytes", x.kvBytes},
                                  {"step_setup_seconds", x.setupSeconds},
                                  {"decode_bytes_per_token", decode.bytes},
                                  {"decode_flops_per_token", decode.flops},
                                  {"prefill_flops_per_token", prefill.flops}};
            if (k > 0) {
                const Measured& u = measured[0];
                const TokenCost ud = tokenCost(*base, static_cast<double>(P) + N / 2.0);
                const TokenCost up = tokenCost(*base, P / 2.0);
                row["decode_speedup"] = u.decodeSeconds / x.decodeSeconds;
                row["prefill_speedup"] = u.prefillSeconds / x.prefillSeconds;
                row["ideal_decode_speedup_bytes"] = ud.bytes / decode.bytes;
                row["ideal_decode_speedup_flops"] = ud.flops / decode.flops;
                row["ideal_prefill_speedup_flops"] = up.flops / prefill.flops;
                std::size_t same = 0;
                while (same < x.firstRow.size() && same < u.firstRow.size() && x.firstRow[same] == u.firstRow[same]) ++same;
                row["greedy_tokens_equal_to_unpruned"] = same;
            }
            rows.push_back(row);
        }
    }
    const nlohmann::json result = {{"model", modelPath},
                                   {"plan", args.valueOr("plan", "")},
                                   {"prompt_tokens", P},
                                   {"new_tokens", N},
                                   {"repeat", repeat},
                                   {"threads", threads},
                                   {"device", device.str()},
                                   {"dtype", computeDtypeName(load.compute)},
                                   {"weights", load.weights == WeightResidence::Mapped ? "mapped" : "converted"},
                                   {"peak_rss_mb", peakRssMb()},
                                   {"blas", blasInUse().name},
                                   {"decode_kernels", vectorKernelIsa()},
                                   {"runs", rows}};
    if (args.flag("json")) {
        printJson(result);
        return 0;
    }
    std::printf("generate  %lld prompt + %lld new tokens, greedy, best of %lld alternating runs, %d threads, %s\n",
                static_cast<long long>(P), static_cast<long long>(N), static_cast<long long>(repeat), threads,
                computeDtypeName(load.compute));
    std::printf("kernels   %s step kernel; BLAS %s\n", vectorKernelIsa(), blasInUse().name.c_str());
    std::printf("%-9s %5s %12s %12s %10s %10s %9s\n", "model", "batch", "prefill t/s", "decode t/s", "TTFT s",
                "KV MB", "speedup");
    for (const auto& r : rows) {
        std::string speed = "";
        if (r.contains("decode_speedup")) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.2fx (ideal %.2fx)", r["decode_speedup"].get<double>(),
                          r["ideal_decode_speedup_bytes"].get<double>());
            speed = buf;
        }
        std::printf("%-9s %5lld %12.0f %12.1f %10.4f %10.2f %s\n", r["model"].get<std::string>().c_str(),
                    static_cast<long long>(r["batch"].get<int64_t>()), r["prefill_tokens_per_second"].get<double>(),
                    r["decode_tokens_per_second"].get<double>(), r["time_to_first_token"].get<double>(),
                    r["kv_cache_bytes"].get<double>() / 1e6, speed.c_str());
    }
    std::printf("peak RSS  %.0f MB\n", peakRssMb());
    return 0;
}

}  // namespace lamina::cli
