#include "pruning/plan_edit.h"

#include "common/error.h"

namespace lamina {

EditablePlan EditablePlan::empty(int64_t layers) {
    EditablePlan p;
    p.attnRemoved.assign(static_cast<std::size_t>(layers), false);
    p.mlpRemoved.assign(static_cast<std::size_t>(layers), false);
    return p;
}

EditablePlan EditablePlan::fromOperations(int64_t layers, const std::vector<PlanOperation>& ops) {
    EditablePlan p = empty(layers);
    for (const PlanOperation& o : ops) {
        if (o.layer < 0 || o.layer >= layers || (o.isMerge() && o.lastLayer >= layers)) {
            throw Error("plan operation on layer " + std::to_string(o.layer) + " outside the model's " +
                        std::to_string(layers) + " layers");
        }
        const auto i = static_cast<std::size_t>(o.layer);
        switch (o.op) {
            case PlanOperation::Op::DropAttn: p.attnRemoved[i] = true; break;
            case PlanOperation::Op::DropMlp: p.mlpRemoved[i] = true; break;
            case PlanOperation::Op::DropBlock: p.attnRemoved[i] = p.mlpRemoved[i] = true; break;
            case PlanOperation::Op::Merge: p.merges.push_back(o); break;
        }
    }
    return p;
}

std::vector<PlanOperation> EditablePlan::operations() const {
    std::vector<PlanOperation> ops;
    for (int64_t i = 0; i < layers(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        if (attnRemoved[k] && mlpRemoved[k]) {
            ops.push_back(PlanOperation::drop({Unit::Kind::Block, i}));
        } else if (attnRemoved[k]) {
            ops.push_back(PlanOperation::drop({Unit::Kind::Attn, i}));
        } else if (mlpRemoved[k]) {
            ops.push_back(PlanOperation::drop({Unit::Kind::Mlp, i}));
        }
    }
    ops.insert(ops.end(), merges.begin(), merges.end());
    return ops;
}

std::optional<PlanOperation> EditablePlan::mergeOf(int64_t layer) const {
    for (const PlanOperation& m : merges) {
        if (layer >= m.layer && layer <= m.lastLayer) return m;
    }
    return std::nullopt;
}

SublayerState EditablePlan::attnState(int64_t layer) const {
    if (mergeOf(layer)) return SublayerState::Merged;
    return attnRemoved[static_cast<std::size_t>(layer)] ? SublayerState::Removed : SublayerState::Kept;
}

SublayerState EditablePlan::mlpState(int64_t layer) const {
    if (mergeOf(layer)) return SublayerState::Merged;
    return mlpRemoved[static_cast<std::size_t>(layer)] ? SublayerState::Removed : SublayerState::Kept;
}

std::optional<EditablePlan> EditablePlan::toggled(const Unit& unit) const {
    if (unit.layer < 0 || unit.layer >= layers() || mergeOf(unit.layer)) return std::nullopt;
    EditablePlan p = *this;
    const auto i = static_cast<std::size_t>(unit.layer);
    switch (unit.kind) {
        case Unit::Kind::Attn: p.attnRemoved[i] = !p.attnRemoved[i]; break;
        case Unit::Kind::Mlp: p.mlpRemoved[i] = !p.mlpRemoved[i]; break;
        case Unit::Kind::Block: {
            const bool both = p.attnRemoved[i] && p.mlpRemoved[i];
            p.attnRemoved[i] = p.mlpRemoved[i] = !both;
            break;
        }
    }
    return p;
}

EditablePlan EditablePlan::withMerges(std::vector<PlanOperation> newMerges) const {
    EditablePlan p = *this;
    p.merges = std::move(newMerges);
    for (const PlanOperation& m : p.merges) {
        for (int64_t i = m.layer; i <= m.lastLayer && i < layers(); ++i) {
            p.attnRemoved[static_cast<std::size_t>(i)] = p.mlpRemoved[static_cast<std::size_t>(i)] = false;
        }
    }
    return p;
}

int64_t EditablePlan::removedSublayers() const { return lamina::removedSublayers(operations()); }

bool EditablePlan::operator==(const EditablePlan& o) const {
    if (attnRemoved != o.attnRemoved || mlpRemoved != o.mlpRemoved || merges.size() != o.merges.size()) {
        return false;
    }
    for (std::size_t i = 0; i < merges.size(); ++i) {
        const PlanOperation &a = merges[i], &b = o.merges[i];
        if (a.layer != b.layer || a.lastLayer != b.lastLayer || a.formula != b.formula) return false;
    }
    return true;
}

}  // namespace lamina
