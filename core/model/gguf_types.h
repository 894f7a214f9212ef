#pragma once

// Tensor and metadata types of the GGUF v3 format (as its specification, docs/gguf.md, defines them), the subset Lamina
// reads and writes.

#include <cstdint>
#include <optional>
#include <string>

namespace lamina {

/// ggml tensor types by their on-disk id.
enum class GgufTensorType : uint32_t { F32 = 0, F16 = 1, Q8_0 = 8, Bf16 = 30 };

/// GGUF metadata value types by their on-disk id.
enum class GgufValueType : uint32_t {
    Uint8 = 0, Int8 = 1, Uint16 = 2, Int16 = 3, Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, Uint64 = 10, Int64 = 11, Float64 = 12,
};

inline constexpr uint32_t kGgufVersion = 3;
inline constexpr uint64_t kGgufAlignment = 32;  ///< default `general.alignment`
inline constexpr int64_t kQ8BlockValues = 32;   ///< values per q8_0 block (one f16 scale each)
inline constexpr int64_t kQ8BlockBytes = 34;

/// The type for an id a file names; nullopt for types Lamina does not handle.
std::optional<GgufTensorType> tensorTypeFromId(uint32_t id);
std::string tensorTypeName(GgufTensorType type);  ///< "f32", "f16", "bf16", "q8_0"
/// Parses "f32" | "f16" | "bf16" | "q8_0"; throws `Error` "<what> 'x': expected ...".
GgufTensorType parseGgufTensorType(const std::string& name, const std::string& what);

/// Whether a row of `rowLength` values can be stored as `type` (q8_0 needs whole blocks).
bool tensorRowFits(GgufTensorType type, int64_t rowLength);
/// Bytes of `values` values (a multiple of the row length for q8_0) stored as `type`.
uint64_t tensorBytes(GgufTensorType type, uint64_t values);

/// llama.cpp's `general.file_type` for a file whose weights are mostly `type`.
uint32_t ggufFileType(GgufTensorType type);

}  // namespace lamina
