#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "model/model.h"

namespace lamina {

/// Drops the pages of `tensors` that lie in read-only file mappings (weights kept mapped,
/// WeightResidence::Mapped) from this process's resident set; the next access reads them
/// again from the page cache or the file. Tensors in ordinary memory are left alone. This is
/// what lets a layer-by-layer analysis keep about one block of weights resident.
void releaseMappedPages(const std::vector<at::Tensor>& tensors);

/// releaseMappedPages for every weight of one block (after a layer-by-layer pass is done with it).
void releaseBlockPages(const BlockWeights& block);

}  // namespace lamina
