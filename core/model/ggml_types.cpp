#include "model/ggml_types.h"

#include "common/name_table.h"

namespace lamina {

namespace {

constexpr NamedValue<GgmlType> kTypes[] = {
    {GgmlType::F32, "f32"}, {GgmlType::F16, "f16"}, {GgmlType::Bf16, "bf16"},
    {GgmlType::Q8_0, "q8_0"}};

}  // namespace

std::optional<GgmlType> ggmlTypeFromId(uint32_t id) {
    for (const auto& t : kTypes) {
        if (static_cast<uint32_t>(t.value) == id) return t.value;
    }
    return std::nullopt;
}

std::string ggmlTypeName(GgmlType type) { return nameIn(kTypes, type); }

GgmlType parseGgmlType(const std::string& name, const std::string& what) {
    return valueIn(kTypes, name, what);
}

bool ggmlRowFits(GgmlType type, int64_t rowLength) {
    return rowLength > 0 && (type != GgmlType::Q8_0 || rowLength % kQ8BlockValues == 0);
}

uint64_t ggmlBytes(GgmlType type, uint64_t values) {
    switch (type) {
        case GgmlType::F32: return values * 4;
        case GgmlType::F16:
        case GgmlType::Bf16: return values * 2;
        case GgmlType::Q8_0: return values / kQ8BlockValues * kQ8BlockBytes;
    }
    return 0;
}

uint32_t ggufFileType(GgmlType type) {
    switch (type) {
        case GgmlType::F32: return 0;   // LLAMA_FTYPE_ALL_F32
        case GgmlType::F16: return 1;   // MOSTLY_F16
        case GgmlType::Q8_0: return 7;  // MOSTLY_Q8_0
        case GgmlType::Bf16: return 32; // MOSTLY_BF16
    }
    return 0;
}

}  // namespace lamina
