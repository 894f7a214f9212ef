#pragma once

// Tensor data in ggml's storage types: encoding for the GGUF writer, decoding for the reader.

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "model/gguf_types.h"

namespace lamina {

/// `t` (any float dtype; rows along its last dimension) stored as `type`. q8_0 follows
/// ggml's reference quantizer (`quantize_row_q8_0_ref`): per block of 32 values the scale
/// d = max|x| / 127 as f16, values round(x / d) half away from zero. Throws `Error` when a row
/// does not fit the type.
std::vector<uint8_t> encodeTensorData(const at::Tensor& t, GgufTensorType type);

/// The `shape` tensor stored at `data` as `type`, in float32 (q8_0: d × q).
at::Tensor decodeTensorData(const uint8_t* data, GgufTensorType type, const std::vector<int64_t>& shape);

}  // namespace lamina
