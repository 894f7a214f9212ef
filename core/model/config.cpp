#include "model/config.h"

#include <algorithm>

#include "common/error.h"
#include "common/json_field.h"
#include "common/mapped_file.h"
#include "model/family.h"

namespace lamina {

namespace {

// `rope_scaling` (transformers 4.x) and `rope_parameters` (5.x) share their keys.
void parseRope(const JsonField& top, ModelConfig& cfg) {
    std::optional<JsonField> rope = top.optional("rope_parameters");
    if (rope) {
        cfg.ropeTheta = rope->number("rope_theta", cfg.ropeTheta);
    } else {
        rope = top.optional("rope_scaling");
    }
    if (!rope) return;
    rope->requireObject();
    const JsonField type = (*rope)[rope->has("rope_type") ? "rope_type" : "type"];
    const std::string name = type.string();
    RopeScaling& s = cfg.ropeScaling;
    if (name == "default") return;
    if (name == "linear") {
        s.type = RopeScaling::Type::Linear;
        s.factor = (*rope)["factor"].number();
    } else if (name == "llama3") {
        s.type = RopeScaling::Type::Llama3;
        s.factor = (*rope)["factor"].number();
        s.lowFreqFactor = (*rope)["low_freq_factor"].number();
        s.highFreqFactor = (*rope)["high_freq_factor"].number();
        s.originalMaxPositions = (*rope)["original_max_position_embeddings"].positiveInteger();
        if (s.highFreqFactor <= s.lowFreqFactor) {
            (*rope)["high_freq_factor"].fail("must be greater than low_freq_factor");
        }
    } else {
        type.fail("unsupported RoPE scaling '" + name + "' (supported: default, linear, llama3)");
    }
    if (s.factor <= 0) (*rope)["factor"].fail("must be positive");
    if (rope->number("partial_rotary_factor", 1.0) != 1.0) {
        (*rope)["partial_rotary_factor"].fail("must be 1 (partial rotary embeddings unsupported)");
    }
}

std::optional<int64_t> optionalTokenId(const JsonField& top, const char* key) {
    const auto field = top.optional(key);
    if (!field) return std::nullopt;
    if (field->value().is_array()) {  // several EOS ids (Llama 3 instruct): keep the first
        if (field->arraySize() == 0) return std::nullopt;
        return field->at(0).integer();
    }
    return field->integer();
}

// Generous bounds: they only reject nonsense that would make later allocations explode.
int64_t boundedDimension(const JsonField& top, const char* key, int64_t max) {
    const JsonField field = top[key];
    const int64_t value = field.positiveInteger();
    if (value > max) field.fail("value " + std::to_string(value) + " is implausibly large");
    return value;
}

}  // namespace

ModelConfig parseModelConfig(const std::string& jsonText, const std::string& source) {
    const auto json = parseJson(jsonText, source);
    const JsonField f(json, source);
    f.requireObject();
    ModelConfig cfg;
    const JsonField modelType = f["model_type"];
    cfg.family = modelType.string();
    const bool supported =
        std::any_of(supportedFamilies().begin(), supportedFamilies().end(),
                    [&](const FamilyTraits* t) { return cfg.family == t->modelType; });
    // Hub configs with auto_map point at Python files next to them; transformers would run
    // those with trust_remote_code. Lamina never runs code from a model directory: say so.
    if (!supported && f.has("auto_map")) {
        modelType.fail("is '" + cfg.family +
                       "', a custom architecture (auto_map names Python code in the model "
                       "directory); Lamina never runs code from a model directory and supports "
                       "only its built-in architectures");
    }
    const FamilyTraits& traits = familyTraits(cfg.family, source);

    if (const auto arch = f.optional("architectures");
        arch && arch->value().is_array() && arch->arraySize() > 0) {
        cfg.architecture = arch->at(0).string();
    }
    if (cfg.architecture.empty()) cfg.architecture = traits.causalLmClass;

    constexpr int64_t kMaxDim = int64_t{1} << 20;
    cfg.vocabSize = boundedDimension(f, "vocab_size", 16 * kMaxDim);
    cfg.hiddenSize = boundedDimension(f, "hidden_size", kMaxDim);
    // nemotron-nas configs may leave these null and give them per block (readAttentionOptions).
    if (f.has("intermediate_size")) {
        cfg.intermediateSize = boundedDimension(f, "intermediate_size", kMaxDim);
    }
    cfg.numLayers = boundedDimension(f, "num_hidden_layers", 4096);
    cfg.numHeads = boundedDimension(f, "num_attention_heads", 4096);
    if (f.has("num_key_value_heads")) {
        cfg.numKvHeads = boundedDimension(f, "num_key_value_heads", 4096);
    }
    if (f.has("head_dim")) {
        cfg.headDim = boundedDimension(f, "head_dim", 65536);
    } else {
        if (cfg.hiddenSize % cfg.numHeads != 0) {
            f["num_attention_heads"].fail("must divide hidden_size when head_dim is not given");
        }
        cfg.headDim = cfg.hiddenSize / cfg.numHeads;
    }
    if (cfg.headDim % 2 != 0) f["head_dim"].fail("must be even for rotary embeddings");
    cfg.maxPositions = f.positiveInteger("max_position_embeddings", 4096);
    cfg.rmsNormEps = f.number("rms_norm_eps", 1e-6);
    if (cfg.rmsNormEps <= 0) f["rms_norm_eps"].fail("must be positive");
    cfg.ropeTheta = f.number("rope_theta", 10000.0);
    parseRope(f, cfg);
    if (cfg.ropeTheta <= 0) f["rope_theta"].fail("must be positive");

    const std::string act = f.string("hidden_act", "silu");
    if (act != "silu" && act != "swish") {
        f["hidden_act"].fail("'" + act + "' is unsupported: only SiLU (SwiGLU) MLPs are");
    }
    cfg.tieWordEmbeddings = f.boolean("tie_word_embeddings", traits.tieByDefault);
    cfg.mlpBias = f.boolean("mlp_bias", false);
    traits.readAttentionOptions(f, cfg);
    if (cfg.intermediateSize == 0) boundedDimension(f, "intermediate_size", kMaxDim);  // throws
    if (cfg.numKvHeads == 0) cfg.numKvHeads = cfg.numHeads;
    if (cfg.numHeads % cfg.numKvHeads != 0) {
        f["num_key_value_heads"].fail("must divide num_attention_heads (" +
                                      std::to_string(cfg.numHeads) + ")");
    }
    cfg.bosTokenId = optionalTokenId(f, "bos_token_id");
    cfg.eosTokenId = optionalTokenId(f, "eos_token_id");
    cfg.storedDtype = f.string("torch_dtype", f.string("dtype", ""));
    if (f.integer("pretraining_tp", 1) < 1) f["pretraining_tp"].fail("must be at least 1");
    return cfg;
}

ModelConfig loadModelConfig(const std::filesystem::path& dir) {
    const auto path = dir / "config.json";
    return parseModelConfig(readTextFile(path, 16u << 20), path.string());
}

}  // namespace lamina
