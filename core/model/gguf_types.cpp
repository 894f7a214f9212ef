#include "model/gguf_types.h"

#include "common/name_table.h"

namespace lamina {

namespace {

constexpr NamedValue<GgufTensorType> kTypes[] = {
    {GgufTensorType::F32, "f32"}, {GgufTensorType::F16, "f16"}, {GgufTensorType::Bf16, "bf16"},
    {GgufTensorType::Q8_0, "q8_0"}};

}  // namespace

std::optional<GgufTensorType> tensorTypeFromId(uint32_t id) {
    for (const auto& t : kTypes) {
        if (static_cast<uint32_t>(t.value) == id) return t.value;
    }
    return std::nullopt;
}

std::string tensorTypeName(GgufTensorType type) { return nameIn(kTypes, type); }

GgufTensorType parseGgufTensorType(const std::string& name, const std::string& what) {
    return valueIn(kTypes, name, what);
}

bool tensorRowFits(GgufTensorType type, int64_t rowLength) {
    return rowLength > 0 && (type != GgufTensorType::Q8_0 || rowLength % kQ8BlockValues == 0);
}

uint64_t tensorBytes(GgufTensorType type, uint64_t values) {
    switch (type) {
        case GgufTensorType::F32: return values * 4;
        case GgufTensorType::F16:
        case GgufTensorType::Bf16: return values * 2;
        case GgufTensorType::Q8_0: return values / kQ8BlockValues * kQ8BlockBytes;
    }
    return 0;
}

uint32_t ggufFileType(GgufTensorType type) {
    switch (type) {
        case GgufTensorType::F32: return 0;   // LLAMA_FTYPE_ALL_F32
        case GgufTensorType::F16: return 1;   // MOSTLY_F16
        case GgufTensorType::Q8_0: return 7;  // MOSTLY_Q8_0
        case GgufTensorType::Bf16: return 32; // MOSTLY_BF16
    }
    return 0;
}

}  // namespace lamina
