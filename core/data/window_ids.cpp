#include "data/window_ids.h"

namespace lamina {

at::Tensor windowIds(const TokenWindows& w) {
    return at::tensor(w.ids, at::kInt).to(at::kLong).view({w.numWindows, w.seqLen});
}

}  // namespace lamina
