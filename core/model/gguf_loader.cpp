#include "model/gguf_loader.h"

#include "common/error.h"
#include "model/gguf_codec.h"
#include "model/gguf_config.h"
#include "model/gguf_file.h"

namespace lamina {

namespace {

at::ScalarType storedScalarType(GgufTensorType t) {
    switch (t) {
        case GgufTensorType::F16: return at::kHalf;
        case GgufTensorType::Bf16: return at::kBFloat16;
        default: return at::kFloat;
    }
}

class GgufFetcher {
public:
    GgufFetcher(std::shared_ptr<const GgufFile> file, at::ScalarType compute, const LoadOptions& options)
        : mFile(std::move(file)), mCompute(compute), mOptions(options) {}

    at::Tensor get(const std::string& name, const std::vector<int64_t>& shape) {
        const GgufTensorInfo* t = mFile->tensor(name);
        if (t == nullptr) throw Error(mFile->path().string() + ": tensor '" + name + "' is missing");
        if (t->shape != shape) {
            throw Error(mFile->path().string() + ": tensor '" + name + "' has shape " + text(t->shape) +
                        ", the metadata expects " + text(shape));
        }
        at::Tensor out;
        if (t->type == GgufTensorType::Q8_0) {
            out = decodeTensorData(reinterpret_cast<const uint8_t*>(mFile->data(*t)), t->type, shape);
        } else {
            const auto owner = mFile;
            out = at::from_blob(const_cast<std::byte*>(mFile->data(*t)), shape, [owner](void*) {},
                                at::TensorOptions().dtype(storedScalarType(t->type)));
        }
        reportProgress(mOptions.progress, ++mDone, static_cast<int64_t>(mFile->tensors().size()));
        return mCompute == at::ScalarType::Undefined ? out : out.to(mCompute);
    }
    at::Tensor optional(const std::string& name, const std::vector<int64_t>& shape) {
        return mFile->tensor(name) == nullptr ? at::Tensor() : get(name, shape);
    }

private:
    static std::string text(const std::vector<int64_t>& s) {
        std::string out = "[";
        for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
        return out + "]";
    }
    std::shared_ptr<const GgufFile> mFile;
    at::ScalarType mCompute;
    const LoadOptions& mOptions;
    int64_t mDone = 0;
};

// ggml's interleaved pairs back to rotate-half rows, per head (inverse of the export's).
at::Tensor halfSplit(const at::Tensor& w, int64_t heads) {
    if (!w.defined()) return w;
    std::vector<int64_t> split = {heads, w.size(0) / heads / 2, 2};
    for (int64_t d = 1; d < w.dim(); ++d) split.push_back(w.size(d));
    return w.reshape(split).transpose(1, 2).reshape(w.sizes()).contiguous();
}

}  // namespace

std::shared_ptr<Model> loadGgufModel(const std::filesystem::path& path, const LoadOptions& options) {
    const auto file = GgufFile::open(path);
    auto model = std::make_shared<Model>();
    model->config = ggufModelConfig(*file);
    model->computeType = toScalarType(options.compute);
    model->source = path;
    model->format = "gguf";
    const ModelConfig& c = model->config;
    const bool interleaved = file->text("general.architecture") != "qwen2";
    GgufFetcher fetch(file, options.weights == WeightResidence::Mapped ? at::ScalarType::Undefined
                                                                      : model->computeType,
                      options);
    const int64_t d = c.hiddenSize, ff = c.intermediateSize, q = c.qDim(), kv = c.kvDim();
    const int64_t qHeads = interleaved ? c.numHeads : 0, kvHeads = interleaved ? c.numKvHeads : 0;
    model->embed = fetch.get("token_embd.weight", {c.vocabSize, d});
    for (int64_t i = 0; i < c.numLayers; ++i) {
        auto name = [i](const char* suffix) { return ggufBlockTensor(i, suffix); };
        BlockWeights b;
        if (c.hasAttention(i)) {
            b.attn.norm = fetch.get(name("attn_norm.weight"), {d});
            b.attn.wq = fetch.get(name("attn_q.weight"), {q, d});
            b.attn.wk = fetch.get(name("attn_k.weight"), {kv, d});
            b.attn.wv = fetch.get(name("attn_v.weight"), {kv, d});
            b.attn.wo = fetch.get(name("attn_output.weight"), {d, q});
            b.attn.bq = fetch.optional(name("attn_q.bias"), {q});
            b.attn.bk = fetch.optional(name("attn_k.bias"), {kv});
            b.attn.bv = fetch.optional(name("attn_v.bias"), {kv});
            b.attn.bo = fetch.optional(name("attn_output.bias"), {d});
            if (qHeads > 0) {
                b.attn.wq = halfSplit(b.attn.wq, qHeads);
                b.attn.wk = halfSplit(b.attn.wk, kvHeads);
                b.attn.bq = halfSplit(b.attn.bq, qHeads);
                b.attn.bk = halfSplit(b.attn.bk, kvHeads);
            }
        }
        if (c.hasMlp(i)) {
            b.mlp.norm = fetch.get(name("ffn_norm.weight"), {d});
            b.mlp.gate = fetch.get(name("ffn_gate.weight"), {ff, d});
            b.mlp.up = fetch.get(name("ffn_up.weight"), {ff, d});
            b.mlp.down = fetch.get(name("ffn_down.weight"), {d, ff});
            b.mlp.bgate = fetch.optional(name("ffn_gate.bias"), {ff});
            b.mlp.bup = fetch.optional(name("ffn_up.bias"), {ff});
            b.mlp.bdown = fetch.optional(name("ffn_down.bias"), {d});
        }
        model->blocks.push_back(std::move(b));
    }
    model->finalNorm = fetch.get("output_norm.weight", {d});
    model->lmHead = c.tieWordEmbeddings ? model->embed : fetch.get("output.weight", {c.vocabSize, d});
    return model;
}

}  // namespace lamina
