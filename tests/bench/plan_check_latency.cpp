// bench_plan_check MODEL [RESULTS.h5]: the latency of re-evaluating a plan after a click in the
// GUI's layer map, through the same call the GUI makes (Workbench::checkPlan: calibration PPL and
// JS divergence from the unpruned model on the default self-generated 8 × 128 calibration set).
// As the GUI does, the calibration set and the unpruned reference are prepared when the model
// opens (a check of the empty plan, timed apart); each click then removes one more sublayer.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/error.h"
#include "common/runtime.h"
#include "pruning/plan_edit.h"
#include "workbench/workbench.h"

int main(int argc, char** argv) {
    using namespace lamina;
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_plan_check MODEL [RESULTS.h5]\n");
        return 2;
    }
    try {
        configureRuntime();
        const std::filesystem::path results =
            argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path() / "bench_plan_check.h5";
        auto wb = Workbench::open(argv[1], results);
        const CalibrationRequest data;
        const auto t0 = std::chrono::steady_clock::now();
        wb->checkPlan(wb->makePlan({}, {{"name", "bench"}}), data);
        std::printf("prepared at open: %.3f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        EditablePlan plan = EditablePlan::empty(wb->summary().config.numLayers);
        for (int64_t i = 0; i < 6 && i < plan.layers(); ++i) {
            plan = *plan.toggled({i % 2 ? Unit::Kind::Mlp : Unit::Kind::Attn, (2 + i) % plan.layers()});
            const PlanCheck c = wb->checkPlan(wb->makePlan(plan.operations(), {{"name", "bench"}}), data);
            std::printf("click %lld: %.3f s  (calibration PPL %.3f, unpruned %.3f, JS %.5f nats)\n",
                        static_cast<long long>(i + 1), c.seconds, c.perplexity, c.basePerplexity, c.divergence);
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_plan_check: %s\n", e.what());
        return 2;
    }
    return 0;
}
