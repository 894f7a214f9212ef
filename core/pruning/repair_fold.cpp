#include "pruning/repair.h"

#include "common/error.h"

namespace lamina {

namespace {

// The pruned block standing for original layer `layer` (a merged window keeps its first index).
std::size_t blockOf(const Model& pruned, int64_t layer) {
    for (std::size_t j = 0; j < pruned.sourceLayers.size(); ++j) {
        if (pruned.sourceLayers[j] == layer) return j;
    }
    throw Error("repair: block " + std::to_string(layer) + " is not in the pruned model");
}

at::Tensor in64(const at::Tensor& t) { return t.to(at::kDouble); }

void foldLinear(Model& pruned, const RepairSite& site, int64_t d) {
    if (site.matrix.size() != static_cast<std::size_t>(d * d)) {
        throw Error("repair: the linear map after " + positionLabel(site.carrier) +
                    " is missing or not " + std::to_string(d) + " × " + std::to_string(d) +
                    " (read the plan with its .repair.safetensors file)");
    }
    const at::Tensor T =
        at::from_blob(const_cast<float*>(site.matrix.data()), {d, d}, at::kFloat).to(at::kDouble);
    if (site.carrier < 0) {
        if (pruned.embed.is_same(pruned.lmHead)) throw Error("repair: a tied embedding cannot take a linear map");
        pruned.embed = at::mm(in64(pruned.embed), T.to(pruned.embed.device())).to(pruned.embed.scalar_type());
        return;
    }
    BlockWeights& b = pruned.blocks[blockOf(pruned, site.carrier / 2)];
    const bool mlp = site.carrier % 2 == 1;
    at::Tensor& w = mlp ? b.mlp.down : b.attn.wo;
    at::Tensor& bias = mlp ? b.mlp.bdown : b.attn.bo;
    if (!w.defined()) throw Error("repair: " + positionLabel(site.carrier) + " is removed by the plan");
    const at::Tensor Td = T.to(w.device());
    w = at::mm(Td.t(), in64(w)).to(w.scalar_type()).contiguous();  // x·Wᵀ·T = x·(TᵀW)ᵀ
    if (bias.defined()) bias = at::mv(Td.t(), in64(bias)).to(bias.scalar_type());
}

}  // namespace

void foldRepair(Model& pruned, const PlanRepair& repair, int64_t count) {
    const auto n = count < 0 ? repair.sites.size()
                             : std::min(repair.sites.size(), static_cast<std::size_t>(count));
    if (repair.kind == RepairKind::Linear) {
        for (std::size_t i = 0; i < n; ++i) {
            if (repair.sites[i].skipped.empty()) foldLinear(pruned, repair.sites[i], pruned.config.hiddenSize);
        }
        return;
    }
    if (repair.kind != RepairKind::Rescale) return;
    // One multiplication per weight by the product of the scales before it (never a chain of
    // roundings in a 16-bit dtype).
    for (std::size_t j = 0; j < pruned.blocks.size(); ++j) {
        BlockWeights& b = pruned.blocks[j];
        const int64_t layer = pruned.sourceLayers.empty() ? static_cast<int64_t>(j) : pruned.sourceLayers[j];
        for (const bool mlp : {false, true}) {
            const int64_t position = sublayerPosition(layer, mlp);
            double factor = 1.0;
            for (std::size_t i = 0; i < n; ++i) {
                const RepairSite& s = repair.sites[i];
                if (s.skipped.empty() && s.carrier < position) factor *= s.scale;
            }
            at::Tensor& w = mlp ? b.mlp.down : b.attn.wo;
            at::Tensor& bias = mlp ? b.mlp.bdown : b.attn.bo;
            if (factor == 1.0 || !w.defined()) continue;
            w = (in64(w) * factor).to(w.scalar_type());
            if (bias.defined()) bias = (in64(bias) * factor).to(bias.scalar_type());
        }
    }
}

}  // namespace lamina
