#pragma once

namespace lamina {

/// Floating-point type the forward pass computes in.
enum class ComputeDtype { Float32, BFloat16 };

/// Where weights live between uses. Mapped: in the checkpoint's own dtype, aliasing the
/// memory-mapped file (a bf16 model costs its file size, shared with the page cache) and
/// converted to the compute dtype block by block as the forward pass reaches them.
/// Converted: one copy in the compute dtype made at load (a bf16 model in float32 takes twice
/// its file size), which saves the per-pass conversion.
enum class WeightResidence { Mapped, Converted };

/// "float32" / "bfloat16" (as written in parameters, JSON and the CLI).
inline const char* computeDtypeName(ComputeDtype dtype) {
    return dtype == ComputeDtype::BFloat16 ? "bfloat16" : "float32";
}

}  // namespace lamina
