#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "model/safetensors.h"

namespace lamina {

/// Shape of `view` checked against `expected`; throws `Error`
/// "<file>: tensor '<name>' has shape [a,b], config expects [c,d]".
void checkShape(const TensorView& view, const std::vector<int64_t>& expected);

/// The libtorch scalar type of a stored dtype.
at::ScalarType scalarTypeOf(DType dtype);

/// A tensor over `view`'s mapped bytes converted to `compute`. Zero-copy when the stored dtype
/// already is `compute` and the data is suitably aligned; `owner` is kept alive by the tensor.
at::Tensor tensorFromView(const TensorView& view, std::shared_ptr<const void> owner,
                          at::ScalarType compute);

}  // namespace lamina
