#pragma once

// Where the forward pass computes: the CPU (the default) or a CUDA device when Lamina is built
// against a CUDA-enabled libtorch (Debian's libtorch-dev is CPU-only; docs/benchmarks.md says
// how to build against the one inside the PyTorch wheel).

#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "model/device_name.h"
#include "model/model.h"

namespace lamina {

/// "cpu", "cuda" or "cuda:N", checked against this process's libtorch and devices: throws
/// `Error` saying why a CUDA device cannot be used (no CUDA in this libtorch, no such device).
at::Device parseDevice(const std::string& name);

/// The device `model`'s weights live on.
inline at::Device deviceOf(const Model& model) { return model.embed.device(); }

/// `model` with every weight copied to `device` in the compute dtype (a device has no use
/// for memory-mapped pages); `model` itself when it already lives there.
std::shared_ptr<const Model> placeOnDevice(std::shared_ptr<const Model> model, at::Device device);

}  // namespace lamina
