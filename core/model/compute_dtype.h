#pragma once

namespace lamina {

/// Floating-point type the forward pass computes in.
enum class ComputeDtype { Float32, BFloat16 };

/// "float32" / "bfloat16" (as written in parameters, JSON and the CLI).
inline const char* computeDtypeName(ComputeDtype dtype) {
    return dtype == ComputeDtype::BFloat16 ? "bfloat16" : "float32";
}

}  // namespace lamina
