#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/progress.h"
#include "pruning/trajectory.h"
#include "pruning/unit_set.h"

namespace lamina {

class ScoringContext;
struct PruneOptions;

/// A pruning method: what it is called, what it ranks, how it runs. One per file in
/// pruning/methods/, listed once in methods/method_list.h; everything else (the CLI's checks,
/// cache keys, the GUI's menus, MPI and device support) reads these traits.
struct MethodTraits {
    const char* name = "";   ///< `--method`, JSON, the results file
    const char* label = "";   ///< menus
    UnitSet units = UnitSet::Block;  ///< what it ranks unless PruneOptions::units says otherwise
    /// Whether PruneOptions::units may name other units than `units`.
    bool unitChoice = false;
    /// Scores every remaining candidate at each step: its candidates are shared among MPI
    /// ranks and it runs on a device (`--device`).
    bool greedy = false;
    /// Stopped by a similarity threshold (`--threshold`), not by a ratio of sublayers.
    bool steeredByThreshold = false;
    /// Computed when the app opens a model whose results file has no trajectories.
    bool inDefaultRun = false;
    /// Searches each requested size on its own: a non-cumulative trajectory with one step per
    /// size searched, which grows as sizes are asked for (`--ratio` takes a list).
    bool searchesSizes = false;
    /// Offered by the GUI's *Run method* (SLM comes from the merge sweep instead).
    bool inRunMenu = true;
    /// Adds the method's own options that shape its trajectory to `parameters` (cache key).
    void (*describe)(const PruneOptions& options, nlohmann::json& parameters) = nullptr;
    /// Throws `Error` for options the method cannot take; null: nothing beyond the common checks.
    void (*check)(const PruneOptions& options) = nullptr;
    /// The trajectory: every decision in order with the calibration PPL after it. `method`
    /// and the removal counts are filled in by runPruning.
    Trajectory (*run)(ScoringContext& context, const PruneOptions& options, const ProgressFn& progress) = nullptr;
};

/// Every registered method, in menu order.
const std::vector<const MethodTraits*>& pruningMethods();

/// A registered method by identity. Strings only at the edges: constructing one from a name
/// looks it up and throws `Error` listing the known names.
class MethodRef {
public:
    MethodRef();  ///< finercut
    MethodRef(const MethodTraits& traits) : mTraits(&traits) {}
    MethodRef(const std::string& name);
    MethodRef(const char* name) : MethodRef(std::string(name)) {}

    const MethodTraits& operator*() const { return *mTraits; }
    const MethodTraits* operator->() const { return mTraits; }
    const char* name() const { return mTraits->name; }
    bool operator==(const MethodRef& o) const { return mTraits == o.mTraits; }
    bool operator!=(const MethodRef& o) const { return mTraits != o.mTraits; }

private:
    const MethodTraits* mTraits;
};

}  // namespace lamina
