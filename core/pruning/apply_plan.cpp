#include "pruning/apply_plan.h"

#include "common/error.h"
#include "pruning/merge.h"
#include "pruning/repair.h"

namespace lamina {

std::shared_ptr<const Model> applyPlan(const Model& model, const PruningPlan& plan) {
    const int64_t L = model.numLayers();
    if (plan.layers != L) {
        throw Error("plan is for a " + std::to_string(plan.layers) + "-layer model, this one has " +
                    std::to_string(L));
    }
    if (!model.sourceLayers.empty()) throw Error("plans apply to unpruned models only");
    const Ablation drops = plan.dropAblation();
    std::vector<const PlanOperation*> mergeAt(static_cast<std::size_t>(L), nullptr);
    std::vector<bool> mergedAway(static_cast<std::size_t>(L), false);
    for (const PlanOperation& o : plan.operations) {
        if (!o.isMerge()) continue;
        mergeAt[static_cast<std::size_t>(o.layer)] = &o;
        for (int64_t l = o.layer + 1; l <= o.lastLayer; ++l) mergedAway[static_cast<std::size_t>(l)] = true;
    }
    auto pruned = std::make_shared<Model>(model);
    pruned->blocks.clear();
    for (int64_t i = 0; i < L; ++i) {
        const auto k = static_cast<std::size_t>(i);
        if (mergedAway[k] || drops.blockRemoved(i)) continue;
        BlockWeights b = model.blocks[k];
        if (const PlanOperation* m = mergeAt[k]) {
            std::vector<const BlockWeights*> window;
            for (int64_t l = m->layer; l <= m->lastLayer; ++l) {
                window.push_back(&model.blocks[static_cast<std::size_t>(l)]);
            }
            b = mergeBlocks(window, m->formula, model.computeType);
        }
        if (drops.attnRemoved(i)) b.attn = AttentionWeights{};
        if (drops.mlpRemoved(i)) b.mlp = MlpWeights{};
        pruned->blocks.push_back(std::move(b));
        pruned->sourceLayers.push_back(i);
    }
    pruned->config.numLayers = pruned->numLayers();
    // Per-block sublayer shapes describe the pruned blocks (empty when all are complete).
    pruned->config.blockShapes.clear();
    bool heterogeneous = false;
    for (const BlockWeights& b : pruned->blocks) {
        pruned->config.blockShapes.push_back({b.hasAttention(), b.hasMlp()});
        heterogeneous = heterogeneous || !b.hasAttention() || !b.hasMlp();
    }
    if (!heterogeneous) pruned->config.blockShapes.clear();
    if (plan.repair.active()) foldRepair(*pruned, plan.repair);
    return pruned;
}

}  // namespace lamina
