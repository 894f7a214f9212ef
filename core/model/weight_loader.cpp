#include "model/weight_loader.h"

#include <cstdint>

#include "common/error.h"

namespace lamina {

namespace {

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace

at::ScalarType scalarTypeOf(DType dtype) {
    switch (dtype) {
        case DType::F32:
            return at::kFloat;
        case DType::F16:
            return at::kHalf;
        case DType::BF16:
            return at::kBFloat16;
        case DType::I64:
            return at::kLong;
    }
    return at::kFloat;
}

void checkShape(const TensorView& view, const std::vector<int64_t>& expected) {
    if (view.shape != expected) {
        throw Error((view.file ? view.file->string() : std::string("checkpoint")) + ": tensor '" +
                    view.name + "' has shape " + shapeText(view.shape) + ", config expects " +
                    shapeText(expected));
    }
}

at::Tensor tensorFromView(const TensorView& view, std::shared_ptr<const void> owner,
                          at::ScalarType compute) {
    const at::ScalarType stored = scalarTypeOf(view.dtype);
    void* data = const_cast<std::byte*>(view.data);  // read-only mapping; never written
    const bool aligned = reinterpret_cast<std::uintptr_t>(data) % dtypeSize(view.dtype) == 0;
    at::Tensor t = at::from_blob(
        data, view.shape, [owner](void*) {}, at::TensorOptions().dtype(stored));
    if (!aligned) return t.clone().to(compute);  // safetensors pads, but don't rely on it
    return stored == compute ? t : t.to(compute);
}

}  // namespace lamina
