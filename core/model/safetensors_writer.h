#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lamina {

/// Writes tensors (F32, F16, BF16 or I64; any layout) as a safetensors file. The data goes to
/// a temporary file beside `path` that is renamed over it only when complete, so a failure
/// (full disk, kill) never leaves a half-written file under the final name. Throws `Error`
/// naming the file on I/O errors.
void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace lamina
