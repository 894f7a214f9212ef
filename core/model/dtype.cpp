#include "model/dtype.h"

namespace lamina {

std::size_t dtypeSize(DType dtype) {
    switch (dtype) {
        case DType::F32:
            return 4;
        case DType::F16:
            return 2;
        case DType::BF16:
            return 2;
        case DType::I64:
            return 8;
    }
    return 0;
}

std::string_view dtypeName(DType dtype) {
    switch (dtype) {
        case DType::F32:
            return "F32";
        case DType::F16:
            return "F16";
        case DType::BF16:
            return "BF16";
        case DType::I64:
            return "I64";
    }
    return "?";
}

std::optional<DType> parseDType(std::string_view name) {
    for (DType d : {DType::F32, DType::F16, DType::BF16, DType::I64}) {
        if (dtypeName(d) == name) return d;
    }
    return std::nullopt;
}

}  // namespace lamina
