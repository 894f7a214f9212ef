#include "model/generation.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "common/error.h"
#include "model/decode_step.h"
#include "model/forward.h"
#include "model/rope.h"

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

Generation generate(const Model& model, const std::vector<std::vector<TokenId>>& prompts,
                    const GenerateOptions& options,
                    const std::function<bool(const std::vector<TokenId>&)>& onStep) {
    const auto B = static_cast<int64_t>(prompts.size());
    if (B == 0 || prompts.front().empty()) throw Error("generation: no prompt");
    const auto P = static_cast<int64_t>(prompts.front().size());
    for (const auto& p : prompts) {
        if (static_cast<int64_t>(p.size()) != P) throw Error("generation: prompts must have one length");
    }
    if (options.maxNewTokens < 0) throw Error("generation: maxNewTokens must be >= 0");
    if (options.sampling.topP <= 0 || options.sampling.topP > 1) {
        throw Error("generation: top-p must be in (0, 1], got " + std::to_string(options.sampling.topP));
    }
    Generation out;
    out.tokens.resize(static_cast<std::size_t>(B));
    if (options.maxNewTokens == 0) return out;
    at::Generator gen = at::detail::createCPUGenerator(options.sampling.seed);
    std::vector<int64_t> flat;
    for (const auto& p : prompts) flat.insert(flat.end(), p.begin(), p.end());
    KvCache cache;
    cache.reserve = P + options.maxNewTokens;
    std::vector<bool> stopped(static_cast<std::size_t>(B), false);
    std::vector<TokenId> step(static_cast<std::size_t>(B));
    at::Tensor ids = at::tensor(flat, at::kLong).view({B, P});
    // Steps after the prompt take the loop kernel on the CPU in float32 (decode_step.h).
    const bool stepKernel = canDecodeStep(model);
    std::unique_ptr<DecodeStepper> stepper;
    RopeTable rope;
    if (stepKernel) {
        rope = makeRopeTable(model.config, cache.reserve, at::TensorOptions().dtype(at::kFloat));
        rope.cos = rope.cos.contiguous();
        rope.sin = rope.sin.contiguous();
    }
    if (stepKernel && options.maxNewTokens > 1) {
        // Set up before the clock of the steps starts (non-float32 weights are converted here).
        const auto begin = std::chrono::steady_clock::now();
        stepper = std::make_unique<DecodeStepper>(model, B, at::get_num_threads());
        out.stats.setupSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    }
    for (int64_t n = 0; n < options.maxNewTokens; ++n) {
        const auto begin = std::chrono::steady_clock::now();
        at::Tensor logits;  // (B, V) float32 on the CPU
        if (n > 0 && stepper) {
            logits = stepper->step(ids.view({B}), cache, rope);
        } else {
            const at::Tensor h = runBlocks(model, embedTokens(model, ids), 0, model.numLayers(), {},
                                           nullptr, cache.length(), &cache);
            logits = lmLogits(model, h.select(1, h.size(1) - 1).unsqueeze(1)).select(1, 0).to(at::kCPU, at::kFloat);
        }
        const at::Tensor next = pickNext(logits, options.sampling, gen).contiguous();
        const int64_t* picked = next.data_ptr<int64_t>();
        bool anyRunning = false;
        for (int64_t b = 0; b < B; ++b) {
            const auto r = static_cast<std::size_t>(b);
            step[r] = stopped[r] ? -1 : static_cast<TokenId>(picked[b]);
            if (stopped[r]) continue;
            out.tokens[r].push_back(step[r]);
            const auto& stops = options.stopTokens;
            stopped[r] = std::find(stops.begin(), stops.end(), step[r]) != stops.end();
            anyRunning = anyRunning || !stopped[r];
        }
        (n == 0 ? out.stats.prefillSeconds : out.stats.decodeSeconds) +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        if (n > 0) ++out.stats.decodeSteps;
        if ((onStep && !onStep(step)) || !anyRunning) break;
        ids = next.view({B, 1});
    }
    out.stats.kvCacheBytes = cache.bytes();
    return out;
}

}  // namespace lamina
