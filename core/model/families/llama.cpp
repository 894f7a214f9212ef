// Llama (ref: transformers models/llama/modeling_llama.py): `attention_bias` puts biases on
// q, k, v and o; no sliding window.
#include "common/json_field.h"
#include "model/config.h"
#include "model/family.h"

namespace lamina {

namespace {
void readLlamaAttention(const JsonField& f, ModelConfig& cfg) {
    cfg.qkvBias = f.boolean("attention_bias", false);
    cfg.outputBias = cfg.qkvBias;
}
}  // namespace

const FamilyTraits kLlamaFamily{"llama", "LlamaForCausalLM", false, &readLlamaAttention};

}  // namespace lamina
