#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace lamina {

class Checkpoint;

struct ExpectedTensor {
    std::string name;  ///< Hugging Face name, e.g. "model.layers.3.self_attn.q_proj.weight"
    std::vector<int64_t> shape;
};

/// Every tensor a Hugging Face checkpoint of `config` must hold, with its shape: embeddings,
/// each block's sublayers that the config has (biases where it says so), the final norm and,
/// untied, the output layer.
std::vector<ExpectedTensor> expectedTensors(const ModelConfig& config);

/// Throws `Error` naming `dir` and the first tensor that `checkpoint` lacks or holds in
/// another shape than `config` implies (a truncated or mismatched download).
void checkTensorsPresent(const Checkpoint& checkpoint, const ModelConfig& config, const std::string& dir);

}  // namespace lamina
