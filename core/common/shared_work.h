#pragma once

// How ranks of a Collective split a list of independent jobs and gather their results; one
// mechanism for candidate scoring and zero-shot items.

#include <cstddef>
#include <vector>

#include "common/collective.h"
#include "common/error.h"

namespace lamina {

/// Ranks of a null group: this process alone.
inline std::size_t groupSize(const Collective* group) { return group ? static_cast<std::size_t>(group->size()) : 1; }

/// The job indices of [0, count) this rank does: i ≡ rank (mod size).
inline std::vector<std::size_t> ownedJobs(const Collective* group, std::size_t count) {
    std::vector<std::size_t> mine;
    for (std::size_t i = group ? static_cast<std::size_t>(group->rank()) : 0; i < count; i += groupSize(group)) {
        mine.push_back(i);
    }
    return mine;
}

/// Every job's values in job order, on every rank, from each rank's `mine`: the values of its
/// ownedJobs() in order, widths[i] of them for job i. Collective.
inline std::vector<double> gatherJobs(const Collective* group, const std::vector<std::size_t>& widths,
                                      const std::vector<double>& mine) {
    if (groupSize(group) <= 1) return mine;
    const std::size_t size = groupSize(group);
    std::vector<std::size_t> offset(widths.size() + 1, 0);
    for (std::size_t i = 0; i < widths.size(); ++i) offset[i + 1] = offset[i] + widths[i];
    const std::vector<double> all = group->allGather(mine);
    if (all.size() != offset.back()) throw Error("ranks disagree on the work they share");
    std::vector<double> ordered(all.size());
    std::size_t at = 0;
    for (std::size_t q = 0; q < size; ++q) {
        for (std::size_t i = q; i < widths.size(); i += size) {
            for (std::size_t k = 0; k < widths[i]; ++k) ordered[offset[i] + k] = all[at++];
        }
    }
    return ordered;
}

/// Rank 0's `value` on every rank (what rank 0's results file answers decides for all).
inline bool rankZeroSays(const Collective* group, bool value) {
    return groupSize(group) <= 1 ? value : group->allGather({value ? 1.0 : 0.0})[0] != 0;
}

}  // namespace lamina
