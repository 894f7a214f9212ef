#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lamina {

/// A prunable unit: one attention sublayer, one FFN sublayer or a whole block.
struct Unit {
    enum class Kind { Attn, Mlp, Block };
    Kind kind = Kind::Block;
    int64_t layer = 0;

    /// "attn.3", "mlp.3", "block.3" — the label used in files, JSON and plots.
    std::string label() const;
    bool operator==(const Unit& o) const { return kind == o.kind && layer == o.layer; }
};

/// Parses a label written by `Unit::label`; throws `Error` on anything else.
Unit parseUnit(const std::string& label);

/// attn.0, mlp.0, attn.1, mlp.1, ... (depth order).
std::vector<Unit> sublayerUnits(int64_t numLayers);
/// block.0 ... block.L-1.
std::vector<Unit> blockUnits(int64_t numLayers);
std::vector<std::string> unitLabels(const std::vector<Unit>& units);

}  // namespace lamina
