#pragma once

#include <ATen/ATen.h>

#include "data/token_windows.h"

namespace lamina {

/// The windows' token ids as one (N, T) int64 tensor, the forward pass's input.
at::Tensor windowIds(const TokenWindows& windows);

}  // namespace lamina
