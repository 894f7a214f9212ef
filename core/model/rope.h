#pragma once

#include <ATen/ATen.h>

#include "model/config.h"

namespace lamina {

/// Rotary tables for positions [start, start + length): cos and sin of shape (length, hd), in
/// the Hugging Face half-split layout (each frequency appears at i and i + hd/2).
struct RopeTable {
    at::Tensor cos;  // (T, hd)
    at::Tensor sin;  // (T, hd)
};

/// Inverse frequencies (hd/2) with the config's scaling applied, float32 as transformers
/// computes them (ref: transformers modeling_rope_utils `_compute_default_rope_parameters`,
/// `_compute_linear_scaling_rope_parameters`, `_compute_llama3_parameters`).
at::Tensor ropeInverseFrequencies(const ModelConfig& config);

/// cos/sin for positions [start, start+length), computed in float32 on the CPU like the
/// reference, then converted to `like`'s dtype and device.
RopeTable makeRopeTable(const ModelConfig& config, int64_t length, const at::TensorOptions& like,
                        int64_t start = 0);

/// x * cos + rotate_half(x) * sin for x of shape (B, T, heads, hd).
at::Tensor applyRope(const at::Tensor& x, const RopeTable& rope);

}  // namespace lamina
