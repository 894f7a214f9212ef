#include "eval/loglikelihood.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>

#include "common/error.h"
#include "model/forward.h"

namespace lamina {

namespace {

at::Tensor idTensor(const std::vector<TokenId>& ids) {
    return at::tensor(ids, at::TensorOptions().dtype(at::kInt)).to(at::kLong).unsqueeze(0);
}

// Scores `targets` from hidden states `h` (K, d): row t predicts targets[t].
RequestScore scoreRows(const Model& model, const at::Tensor& h, const std::vector<TokenId>& targets) {
    at::Tensor logits = lmLogits(model, h.unsqueeze(0)).squeeze(0);  // (K, V)
    if (logits.scalar_type() != at::kDouble) logits = logits.to(at::kFloat);
    const at::Tensor logp = at::log_softmax(logits, -1);
    const at::Tensor t = idTensor(targets).squeeze(0);
    RequestScore s;
    s.logLikelihood = logp.gather(1, t.unsqueeze(1)).sum(at::kDouble).item<double>();
    s.greedy = logp.argmax(-1).eq(t).all().item<bool>();
    s.tokens = static_cast<int64_t>(targets.size());
    return s;
}

// lm-eval's input for one request: (context + continuation)[-(maxLength+1):][:-1]; the last
// `scored` positions predict the continuation (all of it unless it alone exceeds maxLength).
struct FlatInput {
    std::vector<TokenId> input;
    std::vector<TokenId> targets;
};

FlatInput flatten(const LoglikelihoodRequest& r, int64_t maxLength) {
    std::vector<TokenId> all = r.context;
    all.insert(all.end(), r.continuation.begin(), r.continuation.end());
    const auto keep = std::min<std::size_t>(all.size(), static_cast<std::size_t>(maxLength) + 1);
    all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(keep));
    FlatInput f;
    const std::size_t scored = std::min(r.continuation.size(), all.size() - 1);
    f.targets.assign(all.end() - static_cast<std::ptrdiff_t>(scored), all.end());
    all.pop_back();
    f.input = std::move(all);
    return f;
}

// The choices of one question: the context runs once into a KV cache, then the
// continuations (minus their last token) run as one right-padded batch after it. Right
// padding is harmless: causal attention never lets a real position see a later pad.
std::vector<RequestScore> scoreShared(const Model& model, const std::vector<TokenId>& context,
                                      const std::vector<const std::vector<TokenId>*>& conts,
                                      const Ablation& ablation) {
    const int64_t L = model.numLayers(), C = static_cast<int64_t>(context.size());
    const auto n = static_cast<int64_t>(conts.size());
    KvCache cache;
    const at::Tensor hCtx = runBlocks(model, embedTokens(model, idTensor(context)), 0, L, ablation,
                                      nullptr, 0, &cache);
    const at::Tensor last = hCtx.select(1, C - 1).squeeze(0);  // (d): predicts token 0
    int64_t longest = 0;
    for (const auto* c : conts) longest = std::max<int64_t>(longest, static_cast<int64_t>(c->size()));
    at::Tensor hConts;
    if (longest > 1) {
        for (std::size_t slot = 0; slot < cache.keys.size(); ++slot) {
            if (!cache.keys[slot].defined()) continue;  // removed attention keeps no cache
            cache.keys[slot] = cache.keys[slot].repeat({n, 1, 1});
            cache.values[slot] = cache.values[slot].repeat({n, 1, 1});
        }
        std::vector<TokenId> padded(static_cast<std::size_t>(n * (longest - 1)), 0);
        for (int64_t i = 0; i < n; ++i) {
            const auto& c = *conts[static_cast<std::size_t>(i)];
            std::copy(c.begin(), c.end() - 1, padded.begin() + i * (longest - 1));
        }
        const at::Tensor ids = idTensor(padded).view({n, longest - 1});
        hConts = runBlocks(model, embedTokens(model, ids), 0, L, ablation, nullptr, C, &cache);
    }
    std::vector<RequestScore> out;
    for (int64_t i = 0; i < n; ++i) {
        const auto& c = *conts[static_cast<std::size_t>(i)];
        const auto K = static_cast<int64_t>(c.size());
        at::Tensor rows = last.unsqueeze(0);
        if (K > 1) rows = at::cat({rows, hConts[i].narrow(0, 0, K - 1)});
        out.push_back(scoreRows(model, rows, c));
    }
    return out;
}

// Requests that share nothing: right-padded batches of similar length.
void scoreFlat(const Model& model, const std::vector<LoglikelihoodRequest>& requests,
               const std::vector<std::size_t>& which, const Ablation& ablation,
               const ScoringOptions& opt, int64_t maxLength, std::vector<RequestScore>& out,
               const std::function<void(int64_t)>& advance) {
    std::vector<FlatInput> inputs;
    for (const std::size_t r : which) inputs.push_back(flatten(requests[r], maxLength));
    std::vector<std::size_t> order(which.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return inputs[a].input.size() > inputs[b].input.size();
    });
    const int64_t L = model.numLayers();
    for (std::size_t start = 0; start < order.size();) {
        const auto T = static_cast<int64_t>(inputs[order[start]].input.size());  // longest first
        const int64_t fit = std::max<int64_t>(1, opt.batchTokens / std::max<int64_t>(1, T));
        const std::size_t end = std::min(order.size(), start + static_cast<std::size_t>(fit));
        const auto B = static_cast<int64_t>(end - start);
        std::vector<TokenId> padded(static_cast<std::size_t>(B * T), 0);
        for (std::size_t b = start; b < end; ++b) {
            const auto& in = inputs[order[b]].input;
            std::copy(in.begin(), in.end(), padded.begin() + static_cast<int64_t>(b - start) * T);
        }
        const at::Tensor h = runBlocks(model, embedTokens(model, idTensor(padded).view({B, T})), 0,
                                       L, ablation);
        for (std::size_t b = start; b < end; ++b) {
            const FlatInput& f = inputs[order[b]];
            const auto len = static_cast<int64_t>(f.input.size());
            const auto K = static_cast<int64_t>(f.targets.size());
            out[which[order[b]]] =
                scoreRows(model, h[static_cast<int64_t>(b - start)].narrow(0, len - K, K), f.targets);
        }
        advance(B);
        start = end;
    }
}

}  // namespace

std::vector<RequestScore> scoreRequests(const Model& model,
                                        const std::vector<LoglikelihoodRequest>& requests,
                                        const Ablation& ablation, const ScoringOptions& options,
                                        const ProgressFn& progress) {
    const int64_t maxLength = options.maxLength > 0 ? options.maxLength
                              : model.config.maxPositions > 0 ? model.config.maxPositions
                                                              : 2048;
    const auto total = static_cast<int64_t>(requests.size());
    std::vector<RequestScore> out(requests.size());
    int64_t done = 0;
    const auto advance = [&](int64_t n) {
        done += n;
        reportProgress(progress, done, total);
    };
    reportProgress(progress, 0, total);
    // Group by context; a group shares its context's forward when every member fits whole.
    std::map<std::vector<TokenId>, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        if (requests[i].context.empty() || requests[i].continuation.empty()) {
            throw Error("log-likelihood request " + std::to_string(i) +
                        " has an empty context or continuation");
        }
        groups[requests[i].context].push_back(i);
    }
    std::vector<std::size_t> flat;
    for (const auto& [context, members] : groups) {
        bool fits = members.size() > 1;
        for (const std::size_t i : members) {
            fits = fits && static_cast<int64_t>(context.size() + requests[i].continuation.size()) <=
                               maxLength + 1;
        }
        if (!fits) {
            flat.insert(flat.end(), members.begin(), members.end());
            continue;
        }
        std::vector<const std::vector<TokenId>*> conts;
        for (const std::size_t i : members) conts.push_back(&requests[i].continuation);
        const std::vector<RequestScore> s = scoreShared(model, context, conts, ablation);
        for (std::size_t j = 0; j < members.size(); ++j) out[members[j]] = s[j];
        advance(static_cast<int64_t>(members.size()));
    }
    if (!flat.empty()) scoreFlat(model, requests, flat, ablation, options, maxLength, out, advance);
    return out;
}

}  // namespace lamina
