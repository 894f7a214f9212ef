#pragma once

#include "model/config.h"
#include "model/gguf_file.h"

namespace lamina {

/// The ModelConfig of a GGUF file of architecture `llama`, `qwen2` or `deci` (llama.cpp's
/// keys; docs/export.md). Lamina's own stand-ins for removed sublayers (an FFN or "linear
/// attention" whose output projection is all zeros) read as removed. Throws `Error` naming
/// the file and the key or tensor for anything else Lamina cannot compute (other
/// architectures, per-block head counts or FFN widths that differ, linear attention).
ModelConfig ggufModelConfig(const GgufFile& file);

/// Throws `Error` naming the first tensor `config` needs that the file lacks.
void checkGgufTensorsPresent(const GgufFile& file, const ModelConfig& config);

/// The GGUF tensor name of block `layer`'s `suffix` ("attn_q.weight").
std::string ggufBlockTensor(int64_t layer, const std::string& suffix);

}  // namespace lamina
