#include "model/gguf_codec.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <cmath>
#include <cstring>

#include "common/error.h"

namespace lamina {

namespace {

void quantizeQ8Block(const float* x, uint8_t* out) {
    float amax = 0;
    for (int64_t j = 0; j < kQ8BlockValues; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const c10::Half scale(d);
    std::memcpy(out, &scale, 2);
    for (int64_t j = 0; j < kQ8BlockValues; ++j) {
        out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::round(x[j] * id)));
    }
}

template <typename T>
std::vector<uint8_t> bytesOf(const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    std::vector<uint8_t> out(static_cast<std::size_t>(c.numel()) * sizeof(T));
    std::memcpy(out.data(), c.data_ptr(), out.size());
    return out;
}

}  // namespace

std::vector<uint8_t> encodeTensorData(const at::Tensor& t, GgufTensorType type) {
    const int64_t row = t.dim() == 0 ? 1 : t.size(-1);
    if (!tensorRowFits(type, row)) {
        throw Error("a row of " + std::to_string(row) + " values cannot be stored as " +
                    tensorTypeName(type));
    }
    const at::Tensor cpu = t.cpu();
    switch (type) {
        case GgufTensorType::F32: return bytesOf<float>(cpu.to(at::kFloat));
        case GgufTensorType::F16: return bytesOf<c10::Half>(cpu.to(at::kHalf));
        case GgufTensorType::Bf16: return bytesOf<c10::BFloat16>(cpu.to(at::kBFloat16));
        case GgufTensorType::Q8_0: break;
    }
    const at::Tensor f = cpu.to(at::kFloat).contiguous();
    const int64_t blocks = f.numel() / kQ8BlockValues;
    std::vector<uint8_t> out(static_cast<std::size_t>(blocks * kQ8BlockBytes));
    const float* x = f.data_ptr<float>();
    for (int64_t b = 0; b < blocks; ++b) {
        quantizeQ8Block(x + b * kQ8BlockValues, out.data() + b * kQ8BlockBytes);
    }
    return out;
}

at::Tensor decodeTensorData(const uint8_t* data, GgufTensorType type, const std::vector<int64_t>& shape) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    auto copyAs = [&](at::ScalarType stored) {
        at::Tensor t = at::empty(shape, at::TensorOptions().dtype(stored));
        std::memcpy(t.data_ptr(), data, static_cast<std::size_t>(t.numel() * t.element_size()));
        return t.to(at::kFloat);
    };
    switch (type) {
        case GgufTensorType::F32: return copyAs(at::kFloat);
        case GgufTensorType::F16: return copyAs(at::kHalf);
        case GgufTensorType::Bf16: return copyAs(at::kBFloat16);
        case GgufTensorType::Q8_0: break;
    }
    at::Tensor out = at::empty(shape, f32);
    float* y = out.data_ptr<float>();
    const int64_t blocks = out.numel() / kQ8BlockValues;
    for (int64_t b = 0; b < blocks; ++b) {
        const uint8_t* block = data + b * kQ8BlockBytes;
        c10::Half scale;
        std::memcpy(&scale, block, 2);
        const float d = static_cast<float>(scale);
        for (int64_t j = 0; j < kQ8BlockValues; ++j) {
            y[b * kQ8BlockValues + j] = d * static_cast<float>(static_cast<int8_t>(block[2 + j]));
        }
    }
    return out;
}

}  // namespace lamina
