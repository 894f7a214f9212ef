#pragma once

#include <cstdint>
#include <vector>

#include "model/unit.h"

namespace lamina {

/// Which sublayers are removed. A removed sublayer's output is replaced by zero, so the
/// residual stream passes through unchanged (exactly what deleting the module does); a removed
/// block is a block whose two sublayers are removed. Empty vectors mean "nothing removed".
/// Plain data: the GUI's ablation state is one of these.
struct Ablation {
    std::vector<bool> attn;  ///< attn[i]: attention sublayer of block i removed
    std::vector<bool> mlp;   ///< mlp[i]: FFN sublayer of block i removed

    static Ablation none(int64_t numLayers);
    void removeAttn(int64_t layer);
    void removeMlp(int64_t layer);
    void removeBlock(int64_t layer);
    void remove(const Unit& unit);
    bool attnRemoved(int64_t layer) const;
    bool mlpRemoved(int64_t layer) const;
    bool blockRemoved(int64_t layer) const { return attnRemoved(layer) && mlpRemoved(layer); }
    bool removed(const Unit& unit) const;
    int64_t removedSublayers() const;
};

}  // namespace lamina
