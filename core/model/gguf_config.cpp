#include "model/gguf_config.h"

#include <cstring>
#include <set>

#include "common/error.h"

namespace lamina {

namespace {

// The one value `values` takes where `present` holds; throws naming the key otherwise.
int64_t uniform(const GgufFile& f, const std::string& key, const std::vector<int64_t>& values,
                const std::vector<bool>& present) {
    std::set<int64_t> seen;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (present[i]) seen.insert(values[i]);
    }
    if (seen.size() > 1) {
        throw Error(f.path().string() + ": field '" + key +
                    "': blocks differ; Lamina needs one value for every block that has the sublayer");
    }
    return seen.empty() ? 0 : *seen.begin();
}

void readRope(const GgufFile& f, const std::string& a, ModelConfig& c) {
    c.ropeTheta = f.numberOr(a + "rope.freq_base").value_or(10000.0);
    const std::string scaling = f.text(a + "rope.scaling.type");
    if (scaling == "linear") {
        c.ropeScaling.type = RopeScaling::Type::Linear;
        c.ropeScaling.factor = f.number(a + "rope.scaling.factor");
    } else if (!scaling.empty() && scaling != "none") {
        throw Error(f.path().string() + ": field '" + a + "rope.scaling.type': '" + scaling +
                    "' is not supported (linear, or rope_freqs factors)");
    }
    if (const GgufTensorInfo* t = f.tensor("rope_freqs.weight")) {
        if (t->type != GgufTensorType::F32 || t->numel() != c.headDim / 2) {
            throw Error(f.path().string() + ": tensor 'rope_freqs.weight': expected " +
                        std::to_string(c.headDim / 2) + " f32 values");
        }
        c.ropeScaling.type = RopeScaling::Type::Factors;
        std::vector<float> v(static_cast<std::size_t>(t->numel()));
        std::memcpy(v.data(), f.data(*t), t->bytes);
        c.ropeScaling.factors.assign(v.begin(), v.end());
    }
}

}  // namespace

std::string ggufBlockTensor(int64_t layer, const std::string& suffix) {
    return "blk." + std::to_string(layer) + "." + suffix;
}

ModelConfig ggufModelConfig(const GgufFile& f) {
    const std::string file = f.path().string();
    const std::string arch = f.text("general.architecture");
    if (arch != "llama" && arch != "qwen2" && arch != "deci") {
        throw Error(file + ": field 'general.architecture': '" + arch +
                    "' is not supported (llama, qwen2, deci)");
    }
    const std::string a = arch + ".";
    ModelConfig c;
    c.family = arch == "qwen2" ? "qwen2" : "llama";
    c.architecture = arch == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM";
    const GgufTensorInfo* embed = f.tensor("token_embd.weight");
    if (embed == nullptr || embed->shape.size() != 2) {
        throw Error(file + ": tensor 'token_embd.weight' is missing or not a matrix");
    }
    c.vocabSize = embed->shape[0];
    c.hiddenSize = static_cast<int64_t>(f.number(a + "embedding_length"));
    c.numLayers = static_cast<int64_t>(f.number(a + "block_count"));
    if (c.numLayers <= 0 || c.numLayers > 4096 || c.hiddenSize != embed->shape[1]) {
        throw Error(file + ": fields '" + a + "block_count' / '" + a +
                    "embedding_length' disagree with token_embd.weight");
    }
    const auto n = static_cast<std::size_t>(c.numLayers);
    const std::vector<int64_t> heads = f.perLayer(a + "attention.head_count", c.numLayers);
    const std::vector<int64_t> kvHeads = f.find(a + "attention.head_count_kv") != nullptr
                                             ? f.perLayer(a + "attention.head_count_kv", c.numLayers)
                                             : heads;
    const std::vector<int64_t> widths = f.perLayer(a + "feed_forward_length", c.numLayers);
    std::vector<bool> attention(n), mlp(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto layer = static_cast<int64_t>(i);
        attention[i] = f.tensor(ggufBlockTensor(layer, "attn_q.weight")) != nullptr;
        if (!attention[i] && heads[i] > 0) {  // llama.cpp's "linear attention"
            const GgufTensorInfo* wo = f.tensor(ggufBlockTensor(layer, "attn_output.weight"));
            if (wo == nullptr || !f.allZero(*wo)) {
                throw Error(file + ": block " + std::to_string(i) +
                            ": linear attention (head_count_kv 0) is not supported");
            }
        }
        const GgufTensorInfo* down = f.tensor(ggufBlockTensor(layer, "ffn_down.weight"));
        mlp[i] = down != nullptr && !f.allZero(*down);
    }
    c.numHeads = uniform(f, a + "attention.head_count", heads, attention);
    c.numKvHeads = uniform(f, a + "attention.head_count_kv", kvHeads, attention);
    c.intermediateSize = uniform(f, a + "feed_forward_length", widths, mlp);
    if (c.numHeads <= 0) c.numHeads = heads.empty() ? 0 : heads[0];  // no attention anywhere
    if (c.numKvHeads <= 0) c.numKvHeads = c.numHeads;
    if (c.numHeads <= 0) throw Error(file + ": field '" + a + "attention.head_count': no heads");
    c.headDim = static_cast<int64_t>(
        f.numberOr(a + "attention.key_length").value_or(static_cast<double>(c.hiddenSize / c.numHeads)));
    c.maxPositions = static_cast<int64_t>(f.numberOr(a + "context_length").value_or(2048));
    c.rmsNormEps = f.number(a + "attention.layer_norm_rms_epsilon");
    readRope(f, a, c);
    c.tieWordEmbeddings = f.tensor("output.weight") == nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        const auto layer = static_cast<int64_t>(i);
        c.qkvBias = c.qkvBias || f.tensor(ggufBlockTensor(layer, "attn_q.bias")) != nullptr;
        c.outputBias = c.outputBias || f.tensor(ggufBlockTensor(layer, "attn_output.bias")) != nullptr;
        c.mlpBias = c.mlpBias || f.tensor(ggufBlockTensor(layer, "ffn_gate.bias")) != nullptr;
        if (!attention[i] || !mlp[i]) c.blockShapes.resize(n);
    }
    for (std::size_t i = 0; i < c.blockShapes.size(); ++i) c.blockShapes[i] = {attention[i], mlp[i]};
    if (const auto bos = f.numberOr("tokenizer.ggml.bos_token_id")) c.bosTokenId = static_cast<int64_t>(*bos);
    if (const auto eos = f.numberOr("tokenizer.ggml.eos_token_id")) c.eosTokenId = static_cast<int64_t>(*eos);
    c.storedDtype = tensorTypeName(embed->type);
    return c;
}

void checkGgufTensorsPresent(const GgufFile& f, const ModelConfig& c) {
    std::vector<std::string> needed = {"token_embd.weight", "output_norm.weight"};
    if (!c.tieWordEmbeddings) needed.push_back("output.weight");
    for (int64_t i = 0; i < c.numLayers; ++i) {
        if (c.hasAttention(i)) {
            for (const char* s : {"attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight"}) {
                needed.push_back(ggufBlockTensor(i, s));
            }
        }
        if (c.hasMlp(i)) {
            for (const char* s : {"ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"}) {
                needed.push_back(ggufBlockTensor(i, s));
            }
        }
    }
    for (const std::string& name : needed) {
        if (f.tensor(name) == nullptr) {
            throw Error(f.path().string() + ": tensor '" + name + "' is missing: the file is incomplete");
        }
    }
}

}  // namespace lamina
