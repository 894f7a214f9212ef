#pragma once

#include <filesystem>
#include <memory>

#include "model/model.h"

namespace lamina {

/// Loads a Hugging Face directory (config.json + safetensors). See `loadModel`.
std::shared_ptr<Model> loadHfModel(const std::filesystem::path& dir, const LoadOptions& options);

}  // namespace lamina
