#include "model/generation.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "common/error.h"
#include "model/forward.h"

namespace lamina {

namespace {

constexpr int64_t kGroup = 16;

// Next token per row of `logits` (B, V), float32. Temperature, then top-p, then a draw.
at::Tensor pickNext(const at::Tensor& logits, const SamplingOptions& o, at::Generator& gen) {
    if (o.temperature <= 0) return logits.argmax(-1);
    at::Tensor scores = logits / o.temperature;
    if (o.topP < 1.0) {
        // As TopPLogitsWarper: sort ascending, drop tokens whose cumulative probability stays
        // within 1 − top_p, always keep the most likely one.
        auto [sorted, order] = scores.sort(-1, /*descending=*/false);
        at::Tensor remove = sorted.softmax(-1).cumsum(-1).le(1.0 - o.topP);
        remove.select(-1, remove.size(-1) - 1).fill_(false);
        scores = scores.scatter(-1, order, sorted.masked_fill(remove, -INFINITY));
    }
    return at::multinomial(scores.softmax(-1), 1, false, gen).squeeze(-1);
}

}  // namespace

std::vector<TokenId> sampleSequences(const Model& model, int64_t count, int64_t length,
                                     TokenId bos, std::optional<TokenId> eos,
                                     const SamplingOptions& options, const ProgressFn& progress) {
    if (count <= 0 || length <= 0) {
        throw Error("generation: count and length must be positive");
    }
    if (options.topP <= 0 || options.topP > 1) {
        throw Error("generation: top-p must be in (0, 1], got " + std::to_string(options.topP));
    }
    at::Generator gen = at::detail::createCPUGenerator(options.seed);
    std::vector<TokenId> out(static_cast<std::size_t>(count * length));
    const int64_t total = count * length;
    int64_t done = 0;
    reportProgress(progress, done, total);
    for (int64_t first = 0; first < count; first += kGroup) {
        const int64_t B = std::min(kGroup, count - first);
        KvCache cache;
        at::Tensor next = at::full({B}, bos, at::kLong);  // (B)
        for (int64_t pos = 0; pos < length; ++pos) {
            for (int64_t b = 0; b < B; ++b) {
                out[static_cast<std::size_t>((first + b) * length + pos)] =
                    static_cast<TokenId>(next[b].item<int64_t>());
            }
            done += B;
            reportProgress(progress, done, total);
            if (pos + 1 == length) break;
            const at::Tensor h = runBlocks(model, embedTokens(model, next.unsqueeze(1)), 0,
                                           model.numLayers(), {}, nullptr, pos, &cache);
            // Sampled on the CPU with the seeded CPU generator whatever the model's device.
            const at::Tensor logits = lmLogits(model, h).select(1, 0).to(at::kCPU, at::kFloat);  // (B,V)
            at::Tensor sampled = pickNext(logits, options, gen);
            // After an EOS a new document starts with BOS.
            if (eos) sampled = at::where(next.eq(*eos), at::full_like(sampled, bos), sampled);
            next = sampled;
        }
    }
    return out;
}

}  // namespace lamina
