#pragma once

#include <filesystem>
#include <memory>

#include "model/model.h"

namespace lamina {

/// Imports a GGUF file (llama, qwen2, deci; f32, f16, bf16 and q8_0 tensors). f32/f16/bf16
/// weights alias the mapping like safetensors ones (WeightResidence::Mapped); q8_0 ones are
/// dequantized to float32 copies. Q/K rows of `llama` / `deci` files are permuted back from
/// ggml's interleaved RoPE order to Hugging Face's. Throws `Error` naming the file and the
/// tensor or key on anything missing or inconsistent, `Cancelled` via the progress callback.
std::shared_ptr<Model> loadGgufModel(const std::filesystem::path& path, const LoadOptions& options);

}  // namespace lamina
