#include "pruning/export_tensors.h"

#include <set>

#include "common/error.h"
#include "model/checkpoint.h"
#include "model/gguf_file.h"
#include "model/weight_loader.h"
#include "pruning/apply_plan.h"

namespace lamina {

namespace fs = std::filesystem;

namespace {

std::string layerPrefix(int64_t layer) { return "model.layers." + std::to_string(layer) + "."; }

bool isOutputProjection(const std::string& suffix) {
    return suffix == "self_attn.o_proj.weight" || suffix == "self_attn.o_proj.bias" ||
           suffix == "mlp.down_proj.weight" || suffix == "mlp.down_proj.bias";
}

bool isAttention(const std::string& suffix) {
    return suffix.rfind("self_attn.", 0) == 0 || suffix == "input_layernorm.weight";
}

}  // namespace

StoredDtypes::StoredDtypes(const fs::path& source) {
    if (!fs::is_directory(source) && probeGguf(source)) {  // the embedding's float type
        const auto file = GgufFile::open(source);
        if (const GgufTensorInfo* embed = file->tensor("token_embd.weight")) {
            mFallback = embed->type == GgufTensorType::F16    ? at::kHalf
                        : embed->type == GgufTensorType::Bf16 ? at::kBFloat16
                                                        : at::kFloat;
        }
        return;
    }
    if (!fs::is_directory(source)) return;  // llama2.c: float32 throughout
    const Checkpoint ck = Checkpoint::open(source);
    for (const std::string& name : ck.tensorNames()) {
        mTypes[name] = scalarTypeOf(ck.get(name).dtype);
    }
    if (const TensorView* embed = ck.find("model.embed_tokens.weight")) {
        mFallback = scalarTypeOf(embed->dtype);
    }
}

at::ScalarType StoredDtypes::of(const std::string& name) const {
    const auto it = mTypes.find(name);
    return it == mTypes.end() ? mFallback : it->second;
}

std::vector<std::pair<std::string, at::Tensor*>> blockTensors(BlockWeights& b) {
    return {{"input_layernorm.weight", &b.attn.norm},
            {"self_attn.q_proj.weight", &b.attn.wq},
            {"self_attn.q_proj.bias", &b.attn.bq},
            {"self_attn.k_proj.weight", &b.attn.wk},
            {"self_attn.k_proj.bias", &b.attn.bk},
            {"self_attn.v_proj.weight", &b.attn.wv},
            {"self_attn.v_proj.bias", &b.attn.bv},
            {"self_attn.o_proj.weight", &b.attn.wo},
            {"self_attn.o_proj.bias", &b.attn.bo},
            {"post_attention_layernorm.weight", &b.mlp.norm},
            {"mlp.gate_proj.weight", &b.mlp.gate},
            {"mlp.gate_proj.bias", &b.mlp.bgate},
            {"mlp.up_proj.weight", &b.mlp.up},
            {"mlp.up_proj.bias", &b.mlp.bup},
            {"mlp.down_proj.weight", &b.mlp.down},
            {"mlp.down_proj.bias", &b.mlp.bdown}};
}

std::shared_ptr<const Model> storedPrunedModel(const Model& original, const PruningPlan& plan,
                                               const StoredDtypes& dtypes, bool* rounded) {
    if (rounded != nullptr) *rounded = false;
    std::shared_ptr<const Model> pruned = applyPlan(original, plan);
    std::set<int64_t> mergeBases;
    for (const PlanOperation& o : plan.operations) {
        if (o.isMerge() && o.formula != MergeFormula::Inplace) mergeBases.insert(o.layer);
    }
    if (mergeBases.empty()) return pruned;
    auto copy = std::make_shared<Model>(*pruned);
    for (std::size_t i = 0; i < copy->blocks.size(); ++i) {
        const int64_t source = copy->sourceLayers[i];
        if (mergeBases.count(source) == 0) continue;
        for (auto& [suffix, t] : blockTensors(copy->blocks[i])) {
            if (!t->defined()) continue;
            const at::ScalarType stored = dtypes.of(layerPrefix(source) + suffix);
            if (stored == t->scalar_type()) continue;
            const at::Tensor r = t->to(stored).to(t->scalar_type());
            if (rounded != nullptr && !*rounded) *rounded = !at::equal(r, *t);
            *t = r;
        }
    }
    return copy;
}

int64_t ExportTensor::bytes() const {
    int64_t n = 1;
    if (value.defined()) {
        n = value.numel();
    } else {
        for (int64_t s : zeroShape) n *= s;
    }
    return n * static_cast<int64_t>(c10::elementSize(dtype));
}

at::Tensor ExportTensor::materialize() const {
    if (!value.defined()) return at::zeros(zeroShape, at::TensorOptions().dtype(dtype));
    return value.to(dtype).contiguous();
}

std::vector<RemovedSublayer> removedSublayers(const Model& pruned) {
    std::vector<RemovedSublayer> removed;
    for (int64_t i = 0; i < pruned.numLayers(); ++i) {
        const BlockWeights& b = pruned.blocks[static_cast<std::size_t>(i)];
        if (!b.hasAttention()) removed.push_back({i, true});
        if (!b.hasMlp()) removed.push_back({i, false});
    }
    return removed;
}

std::vector<ExportTensor> exportTensors(const Model& original, const Model& pruned,
                                        ExportFormat format, const StoredDtypes& dtypes) {
    const ModelConfig& c = original.config;
    const int64_t d = c.hiddenSize, ff = c.intermediateSize, q = c.qDim(), kv = c.kvDim();
    // Shapes of every block tensor, for zeros that stand in for weights nobody has.
    const std::map<std::string, std::vector<int64_t>> shapes = {
        {"input_layernorm.weight", {d}},        {"self_attn.q_proj.weight", {q, d}},
        {"self_attn.q_proj.bias", {q}},         {"self_attn.k_proj.weight", {kv, d}},
        {"self_attn.k_proj.bias", {kv}},        {"self_attn.v_proj.weight", {kv, d}},
        {"self_attn.v_proj.bias", {kv}},        {"self_attn.o_proj.weight", {d, q}},
        {"self_attn.o_proj.bias", {d}},         {"post_attention_layernorm.weight", {d}},
        {"mlp.gate_proj.weight", {ff, d}},      {"mlp.gate_proj.bias", {ff}},
        {"mlp.up_proj.weight", {ff, d}},        {"mlp.up_proj.bias", {ff}},
        {"mlp.down_proj.weight", {d, ff}},      {"mlp.down_proj.bias", {d}}};
    auto biasWanted = [&](const std::string& suffix) {
        if (suffix.size() < 5 || suffix.compare(suffix.size() - 5, 5, ".bias") != 0) return true;
        if (suffix.rfind("mlp.", 0) == 0) return c.mlpBias;
        if (format == ExportFormat::DeciLm) return c.qkvBias || c.outputBias;  // all four
        return suffix == "self_attn.o_proj.bias" ? c.outputBias : c.qkvBias;
    };

    std::vector<ExportTensor> out;
    auto add = [&](std::string name, const at::Tensor& value, const std::string& sourceName) {
        out.push_back({std::move(name), value, {}, dtypes.of(sourceName)});
    };
    auto addZeros = [&](std::string name, std::vector<int64_t> shape,
                        const std::string& sourceName) {
        out.push_back({std::move(name), at::Tensor(), std::move(shape), dtypes.of(sourceName)});
    };

    add("model.embed_tokens.weight", pruned.embed, "model.embed_tokens.weight");
    for (int64_t i = 0; i < pruned.numLayers(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        const int64_t source = pruned.sourceLayers.empty() ? i : pruned.sourceLayers[k];
        BlockWeights block = pruned.blocks[k];
        const bool keepAttn = block.hasAttention(), keepMlp = block.hasMlp();
        // hf writes removed sublayers too, from the unpruned block (dropped sublayers are
        // never merged, so that block is the exported one before removal).
        BlockWeights full = original.blocks[static_cast<std::size_t>(source)];
        for (auto& [suffix, t] : blockTensors(block)) {
            const bool attention = isAttention(suffix);
            const bool kept = attention ? keepAttn : keepMlp;
            if (!biasWanted(suffix)) continue;
            const std::string name = layerPrefix(i) + suffix;
            const std::string sourceName = layerPrefix(source) + suffix;
            if (kept) {
                if (t->defined()) {
                    add(name, *t, sourceName);
                } else {
                    addZeros(name, shapes.at(suffix), sourceName);  // a bias the source lacks
                }
                continue;
            }
            if (format == ExportFormat::DeciLm) continue;  // no_op: no tensors
            const at::Tensor* unpruned = nullptr;
            for (auto& [fullSuffix, ft] : blockTensors(full)) {
                if (fullSuffix == suffix) unpruned = ft;
            }
            if (isOutputProjection(suffix) || unpruned == nullptr || !unpruned->defined()) {
                addZeros(name, shapes.at(suffix), sourceName);
            } else {
                add(name, *unpruned, sourceName);
            }
        }
    }
    add("model.norm.weight", pruned.finalNorm, "model.norm.weight");
    if (!c.tieWordEmbeddings) add("lm_head.weight", pruned.lmHead, "lm_head.weight");
    return out;
}

}  // namespace lamina
