#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lamina {

/// Element types of stored tensors (safetensors names).
enum class DType { F32, F16, BF16, I64 };

std::size_t dtypeSize(DType dtype);
std::string_view dtypeName(DType dtype);
/// Parses a safetensors dtype name ("F32", "BF16", ...); nullopt when unsupported.
std::optional<DType> parseDType(std::string_view name);

}  // namespace lamina
