#pragma once

#include <string>
#include <vector>

namespace lamina {

class JsonField;
struct ModelConfig;

/// What distinguishes one supported architecture family from another. All share the Llama
/// graph (RMSNorm, RoPE, GQA attention, SwiGLU) and the Hugging Face tensor names; they differ
/// in config defaults, attention options and (nemotron-nas) per-block sublayers.
struct FamilyTraits {
    const char* modelType;      ///< config.json `model_type`
    const char* causalLmClass;  ///< transformers class written into exported configs
    bool tieByDefault;          ///< `tie_word_embeddings` when the config omits it
    /// Reads bias and sliding-window options into `cfg` (nemotron-nas: also the per-block
    /// shapes, intermediate size and KV heads from `block_configs`); throws `Error` naming the
    /// field for options the forward pass does not implement.
    void (*readAttentionOptions)(const JsonField& config, ModelConfig& cfg);
};

/// Traits of `modelType`; throws `Error` "<source>: field 'model_type' is 'x': unsupported
/// architecture (supported: llama, mistral, qwen2)".
const FamilyTraits& familyTraits(const std::string& modelType, const std::string& source);

const std::vector<const FamilyTraits*>& supportedFamilies();

// One definition per file in families/.
extern const FamilyTraits kLlamaFamily;
extern const FamilyTraits kMistralFamily;
extern const FamilyTraits kQwen2Family;
extern const FamilyTraits kNemotronNasFamily;

}  // namespace lamina
