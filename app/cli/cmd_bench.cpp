// `lamina-cli bench`: forward throughput of a model against the machine's GEMM rate in the
// same compute dtype, both measured in the same process so the ratio is meaningful.

#include <ATen/ATen.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"
#include "console.h"
#include "model/device.h"
#include "model/forward.h"
#include "model/model.h"

namespace lamina::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Peak resident set of this process so far (mapped weight pages count once touched).
double peakRssMb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Best-of-`repeat` wall time of `fn`, after one warm-up call.
template <typename Fn>
double bestSeconds(int64_t repeat, Fn fn) {
    fn();
    double best = 1e30;
    for (int64_t i = 0; i < repeat; ++i) {
        const auto t = Clock::now();
        fn();
        best = std::min(best, secondsSince(t));
    }
    return best;
}

// The GEMM rate in the compute dtype: bf16 has its own kernels (oneDNN, AVX512-BF16 where the
// CPU has it), so a bf16 pass is judged against bf16 GEMM, not float32's.
double gemmGflops(int64_t n, int64_t repeat, at::Device device, at::ScalarType dtype) {
    const auto options = at::TensorOptions().device(device).dtype(dtype);
    const at::Tensor a = at::randn({n, n}).to(options), b = at::randn({n, n}).to(options);
    at::Tensor c = at::empty({n, n}, options);
    // Reading one element waits for an asynchronous (CUDA) product to finish.
    const double s = bestSeconds(repeat, [&] { at::mm_out(c, a, b)[0][0].item<float>(); });
    return 2.0 * n * n * n / s / 1e9;
}

// Matmul FLOPs of one scoring pass over B×T tokens, as Lamina computes it (attention scores
// and values over the full T×T square, lm_head over every position).
double forwardFlops(const ModelConfig& c, int64_t B, int64_t T) {
    const double d = c.hiddenSize, q = c.qDim(), kv = c.kvDim(), ff = c.intermediateSize;
    const double perTokenLayer = 2 * (d * q + 2 * d * kv + q * d + 3 * d * ff) + 2 * 2 * T * q;
    return static_cast<double>(B * T) * (c.numLayers * perTokenLayer + 2 * d * c.vocabSize);
}

}  // namespace

int runBench(const std::vector<std::string>& argv) {
    if (std::find(argv.begin(), argv.end(), "--generate") != argv.end()) return runBenchGenerate(argv);
    const Args args(argv, {"batch", "seq", "repeat", "threads", "gemm-size", "dtype", "weights", "device"},
                    {"json"});
    const std::string modelPath = args.positional("MODEL");
    const int64_t B = args.integer("batch", 8, 1, 1024);
    const int64_t T = args.integer("seq", 256, 2, 1 << 16);
    const int64_t repeat = args.integer("repeat", 5, 1, 1000);
    const int64_t gemmN = args.integer("gemm-size", 2048, 64, 16384);
    const ComputeDtype compute = computeDtype(args);
    const int threads = configureRuntime(static_cast<int>(args.integer("threads", 0, 0, 1024)));
    LoadOptions load;
    load.compute = compute;
    load.weights = weightResidence(args);
    load.device = parseDevice(args.valueOr("device", "cpu"));
    const auto model = loadModel(modelPath, load);
    at::manual_seed(0);
    const at::Tensor ids = at::randint(0, model->config.vocabSize, {B, T}, at::kLong);
    // Scoring = next-token NLL at every position, as perplexity evaluation computes it
    // (logits in chunks, never a whole (B, T, V) tensor).
    double meanNll = 0;  // printed so a peer implementation can show it computes the same
    const double fwd = bestSeconds(repeat, [&] {
        const at::Tensor h = runBlocks(*model, embedTokens(*model, ids), 0, model->numLayers());
        meanNll = nextTokenNll(*model, h, ids).mean().item<double>();
    });
    const double gemm = gemmGflops(gemmN, repeat, load.device, toScalarType(compute));
    const double flops = forwardFlops(model->config, B, T);
    const double achieved = flops / fwd / 1e9;
    if (args.flag("json")) {
        printJson({{"model", modelPath},
                   {"batch", B},
                   {"seq", T},
                   {"threads", threads},
                   {"device", load.device.str()},
                   {"dtype", computeDtypeName(compute)},
                   {"weights", args.valueOr("weights", "mapped")},
                   {"peak_rss_mb", peakRssMb()},
                   {"forward_seconds", fwd},
                   {"tokens_per_second", B * T / fwd},
                   {"mean_nll", meanNll},
                   {"forward_gflops", achieved},
                   {"gemm_size", gemmN},
                   {"gemm_gflops", gemm},
                   {"gemm_dtype", computeDtypeName(compute)},
                   {"blas", blasInUse().name},
                   {"fraction_of_gemm", achieved / gemm}});
        return 0;
    }
    std::printf(
        "forward   %lld×%lld tokens in %.4f s (best of %lld): %.0f tokens/s, %.1f GFLOP/s\n",
        static_cast<long long>(B), static_cast<long long>(T), fwd, static_cast<long long>(repeat),
        B * T / fwd, achieved);
    std::printf("gemm      %s %lld×%lld: %.1f GFLOP/s (%d threads)\n", computeDtypeName(compute),
                static_cast<long long>(gemmN), static_cast<long long>(gemmN), gemm, threads);
    std::printf("ratio     forward reaches %.0f%% of the GEMM rate\n", 100 * achieved / gemm);
    return 0;
}

}  // namespace lamina::cli
