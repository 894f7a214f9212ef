#include "model/ablation.h"

#include <string>

#include "common/error.h"

namespace lamina {

namespace {
void setFlag(std::vector<bool>& flags, int64_t layer) {
    if (layer < 0) throw Error("ablation: negative layer index " + std::to_string(layer));
    if (static_cast<std::size_t>(layer) >= flags.size()) {
        flags.resize(static_cast<std::size_t>(layer) + 1, false);
    }
    flags[static_cast<std::size_t>(layer)] = true;
}
bool getFlag(const std::vector<bool>& flags, int64_t layer) {
    return layer >= 0 && static_cast<std::size_t>(layer) < flags.size() &&
           flags[static_cast<std::size_t>(layer)];
}
}  // namespace

Ablation Ablation::none(int64_t numLayers) {
    Ablation a;
    a.attn.assign(static_cast<std::size_t>(numLayers), false);
    a.mlp.assign(static_cast<std::size_t>(numLayers), false);
    return a;
}

void Ablation::removeAttn(int64_t layer) { setFlag(attn, layer); }
void Ablation::removeMlp(int64_t layer) { setFlag(mlp, layer); }
void Ablation::removeBlock(int64_t layer) {
    setFlag(attn, layer);
    setFlag(mlp, layer);
}

void Ablation::remove(const Unit& unit) {
    switch (unit.kind) {
        case Unit::Kind::Attn: removeAttn(unit.layer); break;
        case Unit::Kind::Mlp: removeMlp(unit.layer); break;
        case Unit::Kind::Block: removeBlock(unit.layer); break;
    }
}

bool Ablation::attnRemoved(int64_t layer) const { return getFlag(attn, layer); }
bool Ablation::mlpRemoved(int64_t layer) const { return getFlag(mlp, layer); }

bool Ablation::removed(const Unit& unit) const {
    switch (unit.kind) {
        case Unit::Kind::Attn: return attnRemoved(unit.layer);
        case Unit::Kind::Mlp: return mlpRemoved(unit.layer);
        case Unit::Kind::Block: return blockRemoved(unit.layer);
    }
    return false;
}

int64_t Ablation::removedSublayers() const {
    int64_t n = 0;
    for (bool b : attn) n += b;
    for (bool b : mlp) n += b;
    return n;
}

}  // namespace lamina
