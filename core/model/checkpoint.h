#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/safetensors.h"

namespace lamina {

/// The tensors of a Hugging Face checkpoint directory: either one `model.safetensors` or the
/// shards named by `model.safetensors.index.json`. All shards are opened and validated up
/// front, so a missing or corrupt shard is reported before any computation starts.
class Checkpoint {
public:
    /// Opens `dir`. Throws `Error` when there is no safetensors file, when only a PyTorch
    /// pickle is there (refused: pickles can execute code), or when the index or a shard is
    /// invalid (the message names the file and the tensor).
    static Checkpoint open(const std::filesystem::path& dir);

    const std::filesystem::path& directory() const { return mDir; }
    /// nullptr when absent.
    const TensorView* find(std::string_view name) const;
    /// Throws `Error` naming the tensor and where it was looked for.
    const TensorView& get(std::string_view name) const;
    std::vector<std::string> tensorNames() const;
    const std::vector<std::shared_ptr<const SafetensorsFile>>& files() const { return mFiles; }

private:
    std::filesystem::path mDir;
    std::string mSourceDescription;  // "model.safetensors" or the index file name
    std::vector<std::shared_ptr<const SafetensorsFile>> mFiles;
    std::map<std::string, const TensorView*, std::less<>> mTensors;
};

/// Throws `Error` with conversion advice when `path` is (or `dir` only holds) a PyTorch
/// pickle checkpoint (`pytorch_model.bin`, `*.pt`, `*.pth`, pickle/zip magic bytes).
void refusePickle(const std::filesystem::path& path);

}  // namespace lamina
