#include "model/hf_loader.h"

#include "model/tensor_layout.h"

#include "common/error.h"
#include "model/checkpoint.h"
#include "model/weight_loader.h"

namespace lamina {

namespace {

// Fetches tensors by HF name, checks their shapes and converts them to the compute dtype.
class TensorFetcher {
public:
    TensorFetcher(const Checkpoint& ck, at::ScalarType compute, const LoadOptions& options,
                  int64_t total)
        : mCk(ck), mCompute(compute), mOptions(options), mTotal(total) {}

    at::Tensor get(const std::string& name, const std::vector<int64_t>& shape) {
        const TensorView& view = mCk.get(name);
        checkShape(view, shape);
        const at::ScalarType target =
            mCompute == at::ScalarType::Undefined ? scalarTypeOf(view.dtype) : mCompute;
        at::Tensor t = tensorFromView(view, ownerOf(view), target);
        reportProgress(mOptions.progress, ++mDone, mTotal);
        return t;
    }

    at::Tensor optional(bool wanted, const std::string& name, const std::vector<int64_t>& shape) {
        return wanted ? get(name, shape) : at::Tensor();
    }

private:
    std::shared_ptr<const void> ownerOf(const TensorView& view) const {
        for (const auto& f : mCk.files()) {
            if (&f->path() == view.file) return f;
        }
        return nullptr;
    }

    const Checkpoint& mCk;
    at::ScalarType mCompute;
    const LoadOptions& mOptions;
    int64_t mTotal;
    int64_t mDone = 0;
};

}  // namespace

std::shared_ptr<Model> loadHfModel(const std::filesystem::path& dir, const LoadOptions& options) {
    auto model = std::make_shared<Model>();
    model->config = loadModelConfig(dir);
    model->computeType = toScalarType(options.compute);
    model->source = dir;
    model->format = "hf-safetensors";
    const ModelConfig& c = model->config;
    const Checkpoint ck = Checkpoint::open(dir);

    const int64_t d = c.hiddenSize, ff = c.intermediateSize, q = c.qDim(), kv = c.kvDim();
    const auto total = static_cast<int64_t>(expectedTensors(c).size());
    // Mapped: each tensor keeps its stored dtype (tensorFromView converts nothing then).
    TensorFetcher fetch(ck, options.weights == WeightResidence::Mapped ? at::ScalarType::Undefined
                                                                       : model->computeType,
                        options, total);

    model->embed = fetch.get("model.embed_tokens.weight", {c.vocabSize, d});
    for (int64_t i = 0; i < c.numLayers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        BlockWeights b;  // a sublayer absent from the config (no_op) keeps undefined weights
        if (c.hasAttention(i)) {
            b.attn.norm = fetch.get(p + "input_layernorm.weight", {d});
            b.attn.wq = fetch.get(p + "self_attn.q_proj.weight", {q, d});
            b.attn.wk = fetch.get(p + "self_attn.k_proj.weight", {kv, d});
            b.attn.wv = fetch.get(p + "self_attn.v_proj.weight", {kv, d});
            b.attn.wo = fetch.get(p + "self_attn.o_proj.weight", {d, q});
            b.attn.bq = fetch.optional(c.qkvBias, p + "self_attn.q_proj.bias", {q});
            b.attn.bk = fetch.optional(c.qkvBias, p + "self_attn.k_proj.bias", {kv});
            b.attn.bv = fetch.optional(c.qkvBias, p + "self_attn.v_proj.bias", {kv});
            b.attn.bo = fetch.optional(c.outputBias, p + "self_attn.o_proj.bias", {d});
        }
        if (c.hasMlp(i)) {
            b.mlp.norm = fetch.get(p + "post_attention_layernorm.weight", {d});
            b.mlp.gate = fetch.get(p + "mlp.gate_proj.weight", {ff, d});
            b.mlp.up = fetch.get(p + "mlp.up_proj.weight", {ff, d});
            b.mlp.down = fetch.get(p + "mlp.down_proj.weight", {d, ff});
            b.mlp.bgate = fetch.optional(c.mlpBias, p + "mlp.gate_proj.bias", {ff});
            b.mlp.bup = fetch.optional(c.mlpBias, p + "mlp.up_proj.bias", {ff});
            b.mlp.bdown = fetch.optional(c.mlpBias, p + "mlp.down_proj.bias", {d});
        }
        model->blocks.push_back(std::move(b));
    }
    model->finalNorm = fetch.get("model.norm.weight", {d});
    model->lmHead =
        c.tieWordEmbeddings ? model->embed : fetch.get("lm_head.weight", {c.vocabSize, d});
    return model;
}

}  // namespace lamina
