// Pruning plan JSON: an accepted plan must survive a write/read round trip unchanged.

#include "fuzz_support.h"
#include "pruning/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const lamina::PruningPlan plan = lamina::planFromJson(text, "fuzz/plan.json");
        FUZZ_CHECK(plan.layers > 0);
        const lamina::Ablation drops = plan.dropAblation();
        FUZZ_CHECK(drops.removedSublayers() <= 2 * plan.layers);
        FUZZ_CHECK(plan.removedSublayers() <= 2 * plan.layers);
        const nlohmann::json written = lamina::planToJson(plan);
        // Error here is a finding too: what we accept, we must be able to read back.
        try {
            const lamina::PruningPlan back = lamina::planFromJson(written.dump(2), "round trip");
            FUZZ_CHECK(lamina::planToJson(back).dump() == written.dump());
        } catch (const lamina::Error& e) {
            std::fprintf(stderr, "accepted plan does not read back: %s\n", e.what());
            std::abort();
        }
    });
    return 0;
}
