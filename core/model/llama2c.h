#pragma once

#include <filesystem>
#include <memory>

#include "model/llama2c_header.h"
#include "model/model.h"

namespace lamina {

/// Imports a llama2.c v0 checkpoint (ref: karpathy/llama2.c export.py `legacy_export`, run.c).
/// llama2.c rotates interleaved pairs (x[2i], x[2i+1]); q and k rows are permuted to the
/// Hugging Face half-split convention so the common forward pass applies unchanged.
std::shared_ptr<Model> loadLlama2cModel(const std::filesystem::path& path,
                                        const LoadOptions& options);

}  // namespace lamina
