#pragma once

// Reads reference tensors from ../shared/golden/*.safetensors with the project's own reader.

#include <ATen/ATen.h>

#include <filesystem>
#include <memory>
#include <string>

#include "model/safetensors.h"
#include "model/weight_loader.h"

namespace lamina::test {

class GoldenFile {
public:
    explicit GoldenFile(const std::filesystem::path& path) : mFile(SafetensorsFile::open(path)) {}

    /// The stored tensor (float32 or int64), aliasing the mapped file.
    at::Tensor get(const std::string& name) const {
        const TensorView& v = mFile->get(name);
        const at::ScalarType t = v.dtype == DType::I64 ? at::kLong : at::kFloat;
        return tensorFromView(v, mFile, t);
    }
    bool has(const std::string& name) const { return mFile->find(name) != nullptr; }

private:
    std::shared_ptr<const SafetensorsFile> mFile;
};

/// Largest absolute difference, as a double (for messages and tolerances).
inline double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace lamina::test
