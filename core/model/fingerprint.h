#pragma once

#include <filesystem>
#include <string>

namespace lamina {

/// Identity of the checkpoint at `path` (HF directory or llama2.c file), 16 hex digits.
/// Hashes config.json, every safetensors header (tensor names, dtypes, shapes, offsets), file
/// sizes and 16 samples of 4 KiB spread over each file — cheap even for 100 GB checkpoints,
/// yet any re-export, fine-tune or truncation changes it. Throws `Error` like `describeModel`.
std::string modelFingerprint(const std::filesystem::path& path);

}  // namespace lamina
