#pragma once

// The pruning plan as the GUI edits it: sublayer switches plus merge windows.

#include <cstdint>
#include <optional>
#include <vector>

#include "model/unit.h"
#include "pruning/plan.h"

namespace lamina {

/// What happened to a sublayer in a plan.
enum class SublayerState { Kept, Removed, Merged };

/// A plan in a form that is easy to toggle: per block, whether each sublayer is removed, and
/// the merge windows. Plain data, compared by value (undo commands keep copies).
struct EditablePlan {
    std::vector<bool> attnRemoved;
    std::vector<bool> mlpRemoved;
    std::vector<PlanOperation> merges;  ///< Op::Merge only, disjoint

    static EditablePlan empty(int64_t layers);
    static EditablePlan fromOperations(int64_t layers, const std::vector<PlanOperation>& ops);
    /// Drops in depth order (a block with both sublayers removed becomes drop_block), then merges.
    std::vector<PlanOperation> operations() const;

    int64_t layers() const { return static_cast<int64_t>(attnRemoved.size()); }
    /// The merge window containing `layer`, if any.
    std::optional<PlanOperation> mergeOf(int64_t layer) const;
    SublayerState attnState(int64_t layer) const;
    SublayerState mlpState(int64_t layer) const;
    /// The plan with `unit` removed, or restored when it already is. Units inside a merge
    /// window cannot be toggled: returns nullopt.
    std::optional<EditablePlan> toggled(const Unit& unit) const;
    /// The plan with its merges replaced by `merges` (drops inside them are cleared).
    EditablePlan withMerges(std::vector<PlanOperation> merges) const;
    int64_t removedSublayers() const;

    bool operator==(const EditablePlan& o) const;
    bool operator!=(const EditablePlan& o) const { return !(*this == o); }
};

}  // namespace lamina
