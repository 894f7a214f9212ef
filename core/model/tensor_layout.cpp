#include "model/tensor_layout.h"

#include "common/error.h"
#include "model/checkpoint.h"

namespace lamina {

namespace {
std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}
}  // namespace

std::vector<ExpectedTensor> expectedTensors(const ModelConfig& c) {
    const int64_t d = c.hiddenSize, ff = c.intermediateSize, q = c.qDim(), kv = c.kvDim();
    std::vector<ExpectedTensor> out = {{"model.embed_tokens.weight", {c.vocabSize, d}}};
    for (int64_t i = 0; i < c.numLayers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        if (c.hasAttention(i)) {
            out.push_back({p + "input_layernorm.weight", {d}});
            out.push_back({p + "self_attn.q_proj.weight", {q, d}});
            out.push_back({p + "self_attn.k_proj.weight", {kv, d}});
            out.push_back({p + "self_attn.v_proj.weight", {kv, d}});
            out.push_back({p + "self_attn.o_proj.weight", {d, q}});
            if (c.qkvBias) {
                out.push_back({p + "self_attn.q_proj.bias", {q}});
                out.push_back({p + "self_attn.k_proj.bias", {kv}});
                out.push_back({p + "self_attn.v_proj.bias", {kv}});
            }
            if (c.outputBias) out.push_back({p + "self_attn.o_proj.bias", {d}});
        }
        if (c.hasMlp(i)) {
            out.push_back({p + "post_attention_layernorm.weight", {d}});
            out.push_back({p + "mlp.gate_proj.weight", {ff, d}});
            out.push_back({p + "mlp.up_proj.weight", {ff, d}});
            out.push_back({p + "mlp.down_proj.weight", {d, ff}});
            if (c.mlpBias) {
                out.push_back({p + "mlp.gate_proj.bias", {ff}});
                out.push_back({p + "mlp.up_proj.bias", {ff}});
                out.push_back({p + "mlp.down_proj.bias", {d}});
            }
        }
    }
    out.push_back({"model.norm.weight", {d}});
    if (!c.tieWordEmbeddings) out.push_back({"lm_head.weight", {c.vocabSize, d}});
    return out;
}

void checkTensorsPresent(const Checkpoint& ck, const ModelConfig& c, const std::string& dir) {
    for (const ExpectedTensor& e : expectedTensors(c)) {
        const TensorView* v = ck.find(e.name);
        if (v == nullptr) {
            throw Error(dir + ": incomplete checkpoint: tensor '" + e.name + "' not found (the " + c.family +
                        " config with " + std::to_string(c.numLayers) + " layers needs it)");
        }
        if (v->shape != e.shape) {
            throw Error((v->file ? v->file->string() : dir) + ": tensor '" + e.name + "' has shape " +
                        shapeText(v->shape) + ", config expects " + shapeText(e.shape));
        }
    }
}

}  // namespace lamina
