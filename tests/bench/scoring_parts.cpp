// Where one FinerCut candidate's scoring time goes on a model, and what batching candidates
// or larger row and window pieces would change (docs/benchmarks.md, FinerCut section):
//   bench_scoring_parts MODEL [THREADS]
// Best of three rounds each, 8 windows × 128 random tokens (1,024 positions) per candidate.

#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "analysis/distribution_distance.h"
#include "common/runtime.h"
#include "model/forward.h"
#include "model/model.h"

using namespace lamina;

namespace {

double bestOfThree(const std::function<void()>& fn) {
    double best = 1e30;
    for (int r = 0; r < 3; ++r) {
        const auto t = std::chrono::steady_clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_scoring_parts MODEL [THREADS]\n");
        return 2;
    }
    const int threads = configureRuntime(argc > 2 ? std::atoi(argv[2]) : 0);
    const auto model = loadModel(argv[1]);
    const int64_t V = model->config.vocabSize, d = model->config.hiddenSize, L = model->numLayers();
    const int64_t positions = 1024;
    at::manual_seed(0);
    const at::Tensor head = inComputeType(*model, model->lmHead);
    std::printf("%s, %d threads, %lld positions per candidate\n", argv[1], threads, static_cast<long long>(positions));

    // The divergence: fused pass against ATen's element-wise passes, in 131-row pieces.
    const at::Tensor p = at::log_softmax(at::randn({positions, V}) * 3, -1);
    const at::Tensor q = at::log_softmax(at::randn({positions, V}) * 3, -1);
    const int64_t piece = std::max<int64_t>(1, (int64_t{4} << 20) / V);
    auto inPieces = [&](auto fn) {
        return [&, fn] {
            for (int64_t r = 0; r < positions; r += piece) {
                const int64_t n = std::min(piece, positions - r);
                fn(p.narrow(0, r, n), q.narrow(0, r, n)).sum().item().toDouble();
            }
        };
    };
    std::printf("JS divergence: fused %.4f s, ATen passes %.4f s\n",
                bestOfThree(inPieces([](const at::Tensor& a, const at::Tensor& b) { return jsDivergence(a, b); })),
                bestOfThree(inPieces([](const at::Tensor& a, const at::Tensor& b) { return jsDivergenceByOps(a, b); })));

    // The output layer alone and + log-softmax (fused in place, or ATen's) per candidate, by
    // row-piece size.
    const at::Tensor normed = at::randn({positions, d}, head.options());
    for (const int64_t rows : {piece / 2, piece, 2 * piece, 4 * piece}) {
        auto timed = [&](int mode) {
            return bestOfThree([&] {
                for (int64_t r = 0; r < positions; r += rows) {
                    const int64_t n = std::min(rows, positions - r);
                    const at::Tensor logits = at::linear(normed.narrow(0, r, n), head).to(at::kFloat);
                    if (mode == 1) logSoftmaxInPlace(logits);
                    if (mode == 2) at::log_softmax(logits, -1);
                }
            });
        };
        std::printf("output layer in %lld-row pieces: %.4f s; + log-softmax fused %.4f s, ATen %.4f s\n",
                    static_cast<long long>(rows), timed(0), timed(1), timed(2));
    }

    // Accuracy of the two log-softmaxes against float64: the mean error of the log-probability
    // at random targets (a position's NLL), typical logits at two scales.
    for (const double scale : {3.0, 6.0}) {
        const at::Tensor x = at::randn({positions, V}) * scale;
        const at::Tensor targets = at::randint(0, V, {positions, 1}, at::kLong);
        const double exact = at::log_softmax(x.to(at::kDouble), -1).gather(1, targets).mean().item<double>();
        auto meanError = [&](const at::Tensor& logp) { return logp.gather(1, targets).to(at::kDouble).mean().item<double>() - exact; };
        const double aten = meanError(at::log_softmax(x, -1));
        std::printf("log-softmax mean log-probability error vs float64, logits x %.0f: fused %.2e, ATen %.2e\n", scale,
                    meanError(logSoftmaxInPlace(x.clone())), aten);
    }

    // All blocks for k candidates' streams batched together, per candidate.
    for (const int64_t k : {1, 2, 4}) {
        const at::Tensor ids = at::randint(0, V, {8 * k, positions / 8}, at::kLong);
        const at::Tensor h0 = embedTokens(*model, ids);
        const double s = bestOfThree([&] { runBlocks(*model, h0, 0, L).sum().item<double>(); });
        std::printf("%lld blocks, %lld candidate(s) per batch: %.4f s per candidate\n", static_cast<long long>(L),
                    static_cast<long long>(k), s / static_cast<double>(k));
    }
    // One candidate's blocks over its 8 windows in pieces of w windows (unit removal runs a
    // candidate a window piece at a time so a bounded search can drop it early).
    const at::Tensor ids = at::randint(0, V, {8, positions / 8}, at::kLong);
    const at::Tensor h0 = embedTokens(*model, ids);
    for (const int64_t w : {1, 2, 4, 8}) {
        const double s = bestOfThree([&] {
            for (int64_t i = 0; i < 8; i += w) runBlocks(*model, h0.narrow(0, i, w), 0, L).sum().item<double>();
        });
        std::printf("%lld blocks over 8 windows, %lld at a time: %.4f s\n", static_cast<long long>(L),
                    static_cast<long long>(w), s);
    }
    return 0;
}
