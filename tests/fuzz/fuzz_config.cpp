// config.json: an accepted configuration must be self-consistent, and everything derived
// from it (per-layer parameter counts) must be computable without overflow.

#include "fuzz_support.h"
#include "model/config.h"
#include "model/model_summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const lamina::ModelConfig c = lamina::parseModelConfig(text, "fuzz/config.json");
        FUZZ_CHECK(c.numLayers > 0 && c.hiddenSize > 0 && c.vocabSize > 0);
        FUZZ_CHECK(c.numHeads > 0 && c.numKvHeads > 0 && c.headDim > 0);
        FUZZ_CHECK(c.numHeads % c.numKvHeads == 0);
        FUZZ_CHECK(c.blockShapes.empty() ||
                   c.blockShapes.size() == static_cast<std::size_t>(c.numLayers));
        for (int64_t layer = 0; layer < c.numLayers && layer < 4096; ++layer) {
            lamina::layerParams(c, layer);
            c.hasAttention(layer);
            c.hasMlp(layer);
        }
    });
    return 0;
}
