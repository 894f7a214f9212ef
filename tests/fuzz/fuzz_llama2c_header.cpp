// llama2.c v0 checkpoint header: a header accepted by the probe must describe exactly the
// file's size, so the loader never reads past the mapping.

#include "fuzz_support.h"
#include "model/llama2c_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = lamina::fuzz::writeInput("model.bin", data, size);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const auto header = lamina::probeLlama2c(path);
        if (!header) return;
        const lamina::ModelConfig c = lamina::llama2cConfig(*header);
        FUZZ_CHECK(c.numLayers > 0 && c.hiddenSize > 0 && c.vocabSize > 0);
        FUZZ_CHECK(c.headDim > 0 && c.numHeads % c.numKvHeads == 0);
        // Accepted files hold at least the embedding table.
        FUZZ_CHECK(static_cast<uint64_t>(size) >=
                   28 + static_cast<uint64_t>(c.vocabSize) * c.hiddenSize * 4);
    });
    return 0;
}
