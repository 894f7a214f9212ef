#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace lamina {

/// The `k` most likely next tokens read off one residual stream.
struct LensReading {
    int64_t residual = 0;  ///< h_i: after i blocks of the model run (0: the embeddings)
    std::vector<TokenId> tokens;
    std::vector<double> probabilities;  ///< softmax of the logits, descending
};

/// The logit lens: at `position` of `ids`, the final norm and output layer applied to every
/// residual stream h_0 … h_L of `model` (L + 1 readings; the last is the model's own
/// next-token distribution).
std::vector<LensReading> logitLens(const Model& model, const std::vector<TokenId>& ids, int64_t position,
                                   int64_t k);

}  // namespace lamina
