#include "model/safetensors_writer.h"

#include "common/error.h"
#include "model/safetensors_bytes.h"

namespace lamina {

namespace {

DType dtypeOf(at::ScalarType t, const std::string& name) {
    switch (t) {
        case at::kFloat: return DType::F32;
        case at::kHalf: return DType::F16;
        case at::kBFloat16: return DType::BF16;
        case at::kLong: return DType::I64;
        default: throw Error("safetensors: tensor '" + name + "' has an unsupported dtype");
    }
}

}  // namespace

void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    std::vector<at::Tensor> contiguous;  // keeps the bytes alive while they are written
    std::vector<TensorBytes> bytes;
    for (const auto& [name, tensor] : tensors) {
        at::Tensor t = tensor.contiguous().cpu();
        bytes.push_back({name, dtypeOf(t.scalar_type(), name), t.sizes().vec(), t.data_ptr(),
                         static_cast<std::size_t>(t.numel() * t.element_size())});
        contiguous.push_back(std::move(t));
    }
    writeSafetensorsBytes(path, bytes, metadata);
}

}  // namespace lamina
