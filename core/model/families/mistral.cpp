// Mistral (ref: transformers models/mistral/modeling_mistral.py): no projection biases; every
// layer uses sliding-window attention when `sliding_window` is set.
#include "common/json_field.h"
#include "model/config.h"
#include "model/family.h"

namespace lamina {

namespace {
void readMistralAttention(const JsonField& f, ModelConfig& cfg) {
    cfg.qkvBias = false;
    cfg.outputBias = false;
    if (f.has("sliding_window")) cfg.slidingWindow = f["sliding_window"].positiveInteger();
}
}  // namespace

const FamilyTraits kMistralFamily{"mistral", "MistralForCausalLM", false, &readMistralAttention};

}  // namespace lamina
