#include "pruning/merge.h"

#include "common/error.h"

namespace lamina {

namespace {

// The projection tensors (weights and biases) of a block, in a fixed order.
std::vector<at::Tensor*> projections(BlockWeights& b) {
    return {&b.attn.wq, &b.attn.wk,  &b.attn.wv,  &b.attn.wo,  &b.attn.bq,    &b.attn.bk,
            &b.attn.bv, &b.attn.bo,  &b.mlp.gate, &b.mlp.up,   &b.mlp.down,   &b.mlp.bgate,
            &b.mlp.bup, &b.mlp.bdown};
}

}  // namespace

BlockWeights mergeBlocks(const std::vector<const BlockWeights*>& window, MergeFormula formula,
                         at::ScalarType compute) {
    if (window.empty()) throw Error("merge: empty window");
    for (const BlockWeights* b : window) {
        if (!b->hasAttention() || !b->hasMlp()) {
            throw Error("merge: a block in the window has a removed sublayer");
        }
    }
    BlockWeights merged = *window.front();  // norms (and everything else) from the base
    if (window.size() == 1) return merged;
    std::vector<BlockWeights> copies;
    for (const BlockWeights* b : window) copies.push_back(*b);
    const std::vector<at::Tensor*> out = projections(merged);
    for (std::size_t k = 0; k < out.size(); ++k) {
        if (!out[k]->defined()) continue;
        auto at = [&](std::size_t i) { return projections(copies[i])[k]->to(compute); };
        if (formula == MergeFormula::Inplace) {  // no arithmetic: the top block's tensor as stored
            *out[k] = *projections(copies.back())[k];
        } else if (formula == MergeFormula::Average) {
            at::Tensor sum = at(0).clone();
            for (std::size_t i = 1; i < copies.size(); ++i) sum.add_(at(i));
            *out[k] = sum / static_cast<double>(copies.size());
        } else {  // rdsc: base + Σ (θ_i − base)
            const at::Tensor base = at(0);
            at::Tensor sum = base.clone();
            for (std::size_t i = 1; i < copies.size(); ++i) sum.add_(at(i) - base);
            *out[k] = sum;
        }
    }
    return merged;
}

}  // namespace lamina
