#include "model/llama2c.h"

#include <cstring>

#include "common/error.h"
#include "common/mapped_file.h"

namespace lamina {

namespace {
constexpr std::size_t kHeaderBytes = 7 * sizeof(int32_t);
}  // namespace

std::shared_ptr<Model> loadLlama2cModel(const std::filesystem::path& path,
                                        const LoadOptions& options) {
    const auto header = probeLlama2c(path);
    if (!header) {
        throw Error(path.string() +
                    ": not a llama2.c v0 checkpoint (header inconsistent with "
                    "the file size " +
                    std::to_string(std::filesystem::file_size(path)) + ")");
    }
    const Llama2cHeader& h = *header;
    auto model = std::make_shared<Model>();
    model->config = llama2cConfig(h);
    const ModelConfig& c = model->config;
    model->computeType = toScalarType(options.compute);
    model->source = path;
    model->format = "llama2c";

    const auto file = MappedFile::open(path);
    const auto* base = reinterpret_cast<const float*>(file->data() + kHeaderBytes);
    std::size_t offset = 0;
    const int64_t layers = h.numLayers;
    int64_t done = 0;
    const int64_t total = h.sharedClassifier ? 12 : 13;
    // Consecutive (count..., shape) float32 arrays; each aliases the mapping until converted.
    auto next = [&](std::vector<int64_t> shape) {
        int64_t n = 1;
        for (int64_t s : shape) n *= s;
        at::Tensor t = at::from_blob(
            const_cast<float*>(base + offset), shape, [file](void*) {},
            at::TensorOptions().dtype(at::kFloat));
        offset += static_cast<std::size_t>(n);
        reportProgress(options.progress, ++done, total);
        return t;
    };
    const int64_t d = c.hiddenSize, ff = c.intermediateSize, kv = c.kvDim();
    // Interleaved → half-split rotary layout: rows of each head go [0,2,4,..,1,3,5,..].
    auto permute = [&](const at::Tensor& w, int64_t heads) {
        return w.view({heads, c.headDim / 2, 2, d}).transpose(1, 2).reshape({heads * c.headDim, d});
    };
    const auto ct = model->computeType;
    model->embed = next({c.vocabSize, d}).to(ct);
    const at::Tensor attnNorm = next({layers, d});
    const at::Tensor wq = next({layers, d, d});
    const at::Tensor wk = next({layers, kv, d});
    const at::Tensor wv = next({layers, kv, d});
    const at::Tensor wo = next({layers, d, d});
    const at::Tensor mlpNorm = next({layers, d});
    const at::Tensor w1 = next({layers, ff, d});
    const at::Tensor w2 = next({layers, d, ff});
    const at::Tensor w3 = next({layers, ff, d});
    model->finalNorm = next({d}).to(ct);
    next({h.seqLen, c.headDim});  // freq_cis_real/imag: recomputed by the forward pass
    model->lmHead = h.sharedClassifier ? model->embed : next({c.vocabSize, d}).to(ct);
    for (int64_t i = 0; i < layers; ++i) {
        BlockWeights b;
        // Slices alias the mapping; .contiguous().to() keeps them zero-copy for float32.
        b.attn.norm = attnNorm[i].to(ct);
        b.attn.wq = permute(wq[i], c.numHeads).to(ct).contiguous();
        b.attn.wk = permute(wk[i], c.numKvHeads).to(ct).contiguous();
        b.attn.wv = wv[i].to(ct);
        b.attn.wo = wo[i].to(ct);
        b.mlp.norm = mlpNorm[i].to(ct);
        b.mlp.gate = w1[i].to(ct);
        b.mlp.down = w2[i].to(ct);
        b.mlp.up = w3[i].to(ct);
        model->blocks.push_back(std::move(b));
    }
    return model;
}

}  // namespace lamina
