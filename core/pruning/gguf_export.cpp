#include "pruning/gguf_export.h"

#include "common/error.h"
#include "model/gguf_codec.h"
#include "model/gguf_writer.h"
#include "model/rope.h"
#include "tokenizer/gguf_vocab.h"

namespace lamina {

namespace fs = std::filesystem;

namespace {

// Width of the FFN a `deci` block gets when only its FFN was removed: one q8_0 block of
// zeros. llama.cpp's deci graph skips a block whose FFN width is 0 before adding the
// attention's residual (and older builds require FFN tensors), so the block keeps an FFN
// that computes exactly nothing.
constexpr int64_t kZeroFfnWidth = 32;

// How one exported block is written.
struct GgufBlock {
    const BlockWeights* weights = nullptr;
    int32_t heads = 0;        // 0: no attention
    int32_t kvHeads = 0;      // 0 with heads > 0: llama.cpp's "linear attention" (a zero wo)
    int32_t ffnWidth = 0;
    bool zeroFfn = false;
};

std::string architectureOf(const Model& original, const Model& pruned) {
    bool partial = original.config.family == "nemotron-nas";
    for (const BlockWeights& b : pruned.blocks) partial = partial || !b.hasAttention() || !b.hasMlp();
    if (partial) return "deci";
    return original.config.family == "qwen2" ? "qwen2" : "llama";
}

GgufTensorType defaultType(const StoredDtypes& dtypes) {
    switch (dtypes.of("model.embed_tokens.weight")) {
        case at::kBFloat16: return GgufTensorType::Bf16;
        case at::kHalf: return GgufTensorType::F16;
        default: return GgufTensorType::F32;
    }
}

// Hugging Face's rotate-half rows → ggml's interleaved pairs, per head (llama.cpp's
// converter's `permute`): row (h, half, i) moves to (h, i, half).
at::Tensor interleaveRope(const at::Tensor& w, int64_t heads) {
    std::vector<int64_t> split = {heads, 2, w.size(0) / heads / 2};
    for (int64_t d = 1; d < w.dim(); ++d) split.push_back(w.size(d));
    return w.reshape(split).transpose(1, 2).reshape(w.sizes());
}

// Blocks with both sublayers removed are not written. `deci`'s head size comes from block
// 0's head count, so a first block without attention keeps a zero "linear attention".
std::vector<GgufBlock> exportedBlocks(const Model& pruned) {
    const ModelConfig& c = pruned.config;
    std::vector<GgufBlock> blocks;
    for (const BlockWeights& b : pruned.blocks) {
        if (!b.hasAttention() && !b.hasMlp()) continue;
        GgufBlock g;
        g.weights = &b;
        if (b.hasAttention()) {
            g.heads = static_cast<int32_t>(b.attn.wq.size(0) / c.headDim);
            g.kvHeads = static_cast<int32_t>(b.attn.wk.size(0) / c.headDim);
        } else if (blocks.empty()) {
            g.heads = static_cast<int32_t>(c.numHeads);
        }
        g.zeroFfn = !b.hasMlp();
        g.ffnWidth = static_cast<int32_t>(g.zeroFfn ? kZeroFfnWidth : b.mlp.gate.size(0));
        blocks.push_back(g);
    }
    if (blocks.empty()) throw Error("gguf: the plan removes every block");
    return blocks;
}

class TensorAdder {
public:
    TensorAdder(GgufWriter& writer, GgufTensorType type) : mWriter(writer), mType(type) {}

    // Vectors are written as f32 (llama.cpp's norms and biases), matrices in the chosen type
    // (q8_0 rows that are not whole blocks: f16, as llama.cpp's quantizer does).
    void add(const std::string& name, const at::Tensor& value, int64_t ropeHeads = 0) {
        const GgufTensorType type = value.dim() == 1 ? GgufTensorType::F32
                              : tensorRowFits(mType, value.size(-1)) ? mType
                                                                   : GgufTensorType::F16;
        mWriter.addTensor(name, value.sizes().vec(), type, [value, type, ropeHeads] {
            return encodeTensorData(ropeHeads > 0 ? interleaveRope(value, ropeHeads) : value, type);
        });
    }
    void addFilled(const std::string& name, std::vector<int64_t> shape, float fill) {
        add(name, at::full(shape, fill, at::TensorOptions().dtype(at::kFloat)));
    }

private:
    GgufWriter& mWriter;
    GgufTensorType mType;
};

void addBlock(TensorAdder& t, const GgufBlock& g, int64_t i, const ModelConfig& c,
              bool interleave) {
    const std::string p = "blk." + std::to_string(i) + ".";
    const BlockWeights& b = *g.weights;
    const int64_t d = c.hiddenSize;
    if (b.hasAttention()) {
        t.add(p + "attn_norm.weight", b.attn.norm);
        t.add(p + "attn_q.weight", b.attn.wq, interleave ? g.heads : 0);
        t.add(p + "attn_k.weight", b.attn.wk, interleave ? g.kvHeads : 0);
        t.add(p + "attn_v.weight", b.attn.wv);
        t.add(p + "attn_output.weight", b.attn.wo);
        if (b.attn.bq.defined()) t.add(p + "attn_q.bias", b.attn.bq, interleave ? g.heads : 0);
        if (b.attn.bk.defined()) t.add(p + "attn_k.bias", b.attn.bk, interleave ? g.kvHeads : 0);
        if (b.attn.bv.defined()) t.add(p + "attn_v.bias", b.attn.bv);
        if (b.attn.bo.defined()) t.add(p + "attn_output.bias", b.attn.bo);
    } else if (g.heads > 0) {  // zero linear attention: the residual passes unchanged
        t.addFilled(p + "attn_norm.weight", {d}, 1.0F);
        t.addFilled(p + "attn_output.weight", {d, d}, 0.0F);
    }
    if (g.zeroFfn) {
        t.addFilled(p + "ffn_norm.weight", {d}, 1.0F);
        t.addFilled(p + "ffn_gate.weight", {kZeroFfnWidth, d}, 0.0F);
        t.addFilled(p + "ffn_up.weight", {kZeroFfnWidth, d}, 0.0F);
        t.addFilled(p + "ffn_down.weight", {d, kZeroFfnWidth}, 0.0F);
        return;
    }
    t.add(p + "ffn_norm.weight", b.mlp.norm);
    t.add(p + "ffn_gate.weight", b.mlp.gate);
    t.add(p + "ffn_up.weight", b.mlp.up);
    t.add(p + "ffn_down.weight", b.mlp.down);
    if (b.mlp.bgate.defined()) t.add(p + "ffn_gate.bias", b.mlp.bgate);
    if (b.mlp.bup.defined()) t.add(p + "ffn_up.bias", b.mlp.bup);
    if (b.mlp.bdown.defined()) t.add(p + "ffn_down.bias", b.mlp.bdown);
}

void setHyperParameters(GgufWriter& w, const std::string& arch, const ModelConfig& c,
                        const std::vector<GgufBlock>& blocks) {
    const std::string a = arch + ".";
    w.set(a + "context_length", static_cast<uint32_t>(c.maxPositions));
    w.set(a + "embedding_length", static_cast<uint32_t>(c.hiddenSize));
    w.set(a + "block_count", static_cast<uint32_t>(blocks.size()));
    if (arch == "deci") {
        std::vector<int32_t> heads, kvHeads, widths;
        for (const GgufBlock& g : blocks) {
            heads.push_back(g.heads);
            kvHeads.push_back(g.kvHeads);
            widths.push_back(g.ffnWidth);
        }
        w.set(a + "attention.head_count", heads);
        w.set(a + "attention.head_count_kv", kvHeads);
        w.set(a + "feed_forward_length", widths);
    } else {
        w.set(a + "feed_forward_length", static_cast<uint32_t>(c.intermediateSize));
        w.set(a + "attention.head_count", static_cast<uint32_t>(c.numHeads));
        w.set(a + "attention.head_count_kv", static_cast<uint32_t>(c.numKvHeads));
    }
    w.set(a + "attention.layer_norm_rms_epsilon", static_cast<float>(c.rmsNormEps));
    w.set(a + "rope.freq_base", static_cast<float>(c.ropeTheta));
    w.set(a + "rope.dimension_count", static_cast<uint32_t>(c.headDim));
    if (c.headDim * c.numHeads != c.hiddenSize) {
        w.set(a + "attention.key_length", static_cast<uint32_t>(c.headDim));
        w.set(a + "attention.value_length", static_cast<uint32_t>(c.headDim));
    }
    if (c.ropeScaling.type == RopeScaling::Type::Linear) {
        w.set(a + "rope.scaling.type", std::string("linear"));
        w.set(a + "rope.scaling.factor", static_cast<float>(c.ropeScaling.factor));
    }
    w.set(a + "vocab_size", static_cast<uint32_t>(c.vocabSize));
}

void checkExpressible(const Model& pruned, const std::string& arch, const std::string& where) {
    const ModelConfig& c = pruned.config;
    if (arch == "qwen2" && c.qDim() != c.hiddenSize) {
        throw Error(where + ": llama.cpp's qwen2 needs head_dim × heads = hidden_size (" +
                    std::to_string(c.qDim()) + " vs " + std::to_string(c.hiddenSize) + ")");
    }
    if (c.outputBias && arch == "qwen2") {
        throw Error(where + ": llama.cpp's qwen2 has no o_proj bias");
    }
}

}  // namespace

void writeGgufModel(const Model& original, const Model& pruned, const StoredDtypes& dtypes,
                    const fs::path& sourcePath, const fs::path& outFile,
                    std::optional<GgufTensorType> type, const ProgressFn& progress) {
    const ModelConfig& c = original.config;
    const std::string arch = architectureOf(original, pruned);
    checkExpressible(pruned, arch, outFile.string());
    const GgufTensorType weights = type.value_or(defaultType(dtypes));
    const std::vector<GgufBlock> blocks = exportedBlocks(pruned);
    const GgufVocab vocab = ggufVocabulary(sourcePath, c.vocabSize);

    GgufWriter w;
    w.set("general.architecture", arch);
    w.set("general.name", fs::absolute(sourcePath).lexically_normal().filename().string());
    w.set("general.file_type", ggufFileType(weights));
    if (weights == GgufTensorType::Q8_0) w.set("general.quantization_version", uint32_t{2});
    setHyperParameters(w, arch, c, blocks);
    writeVocabulary(w, vocab);

    TensorAdder t(w, weights);
    t.add("token_embd.weight", pruned.embed);
    if (c.ropeScaling.type == RopeScaling::Type::Llama3 ||
        c.ropeScaling.type == RopeScaling::Type::Factors) {
        // llama.cpp divides each frequency by its factor: unscaled / scaled.
        ModelConfig plain = c;
        plain.ropeScaling = {};
        t.add("rope_freqs.weight", ropeInverseFrequencies(plain) / ropeInverseFrequencies(c));
    }
    t.add("output_norm.weight", pruned.finalNorm);
    if (!c.tieWordEmbeddings) t.add("output.weight", pruned.lmHead);
    const bool interleave = arch != "qwen2";  // qwen2 runs NeoX (rotate-half) RoPE
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        addBlock(t, blocks[i], static_cast<int64_t>(i), c, interleave);
    }
    w.write(outFile, progress);
}

}  // namespace lamina
