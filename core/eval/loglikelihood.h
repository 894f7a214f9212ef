#pragma once

#include <cstdint>
#include <vector>

#include "common/collective.h"
#include "common/progress.h"
#include "eval/loglikelihood_request.h"
#include "eval/zeroshot_metrics.h"
#include "model/ablation.h"

namespace lamina {

struct Model;

struct ScoringOptions {
    /// Longest input the model reads; longer requests lose tokens on the left as in
    /// lm-evaluation-harness. 0: the model's max_position_embeddings (2048 when unknown).
    int64_t maxLength = 0;
    /// Token budget of one padded batch of requests that share no context.
    int64_t batchTokens = 4096;
    /// Processes sharing a task's items (MPI ranks; evaluateZeroShot); null: this one alone.
    const Collective* group = nullptr;
};

/// Log-likelihood of each request's continuation and whether greedy decoding reproduces it
/// (lm-evaluation-harness's `loglikelihood`). Requests with the same context (the choices of
/// a question) share one forward pass of the context through a KV cache and run their
/// continuations as one batch; the others run as right-padded batches sorted by length.
/// Progress counts requests; returning false throws `Cancelled`.
std::vector<RequestScore> scoreRequests(const Model& model,
                                        const std::vector<LoglikelihoodRequest>& requests,
                                        const Ablation& ablation = {},
                                        const ScoringOptions& options = {},
                                        const ProgressFn& progress = {});

}  // namespace lamina
