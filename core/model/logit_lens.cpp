#include "model/logit_lens.h"

#include <ATen/ATen.h>

#include "common/error.h"
#include "model/forward.h"

namespace lamina {

std::vector<LensReading> logitLens(const Model& model, const std::vector<TokenId>& ids, int64_t position,
                                   int64_t k) {
    const auto T = static_cast<int64_t>(ids.size());
    if (position < 0 || position >= T) {
        throw Error("logit lens: position " + std::to_string(position) + " is outside the " + std::to_string(T) +
                    " prompt tokens");
    }
    k = std::max<int64_t>(1, std::min(k, model.config.vocabSize));
    const at::Tensor input = at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong).view({1, T});
    std::vector<at::Tensor> rows;  // h_i at `position`, (1, 1, d)
    Taps taps;
    taps.residual = true;
    taps.onTap = [&](const TapPoint& p, const at::Tensor& h) {
        if (p.site == TapSite::Residual) rows.push_back(h.narrow(1, position, 1).clone());
    };
    // Causal: positions after `position` cannot change it, so they are not run.
    runBlocks(model, embedTokens(model, input.narrow(1, 0, position + 1)), 0, model.numLayers(), {}, &taps);
    std::vector<LensReading> out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const at::Tensor probs = lmLogits(model, rows[i]).view({-1}).to(at::kDouble).softmax(0);
        const auto [values, indices] = probs.topk(k);
        LensReading r;
        r.residual = static_cast<int64_t>(i);
        for (int64_t j = 0; j < k; ++j) {
            r.tokens.push_back(static_cast<TokenId>(indices[j].item<int64_t>()));
            r.probabilities.push_back(values[j].item<double>());
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace lamina
