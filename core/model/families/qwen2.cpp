// Qwen2 (ref: transformers models/qwen2/modeling_qwen2.py): q, k, v always carry biases, o does
// not. Per-layer sliding windows (`use_sliding_window`) are not implemented.
#include "common/json_field.h"
#include "model/config.h"
#include "model/family.h"

namespace lamina {

namespace {
void readQwen2Attention(const JsonField& f, ModelConfig& cfg) {
    cfg.qkvBias = true;
    cfg.outputBias = false;
    if (f.boolean("use_sliding_window", false)) {
        f["use_sliding_window"].fail("Qwen2 per-layer sliding-window attention is not supported");
    }
}
}  // namespace

const FamilyTraits kQwen2Family{"qwen2", "Qwen2ForCausalLM", false, &readQwen2Attention};

}  // namespace lamina
