#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/divergence.h"
#include "pruning/method.h"
#include "pruning/slm_options.h"
#include "pruning/trajectory.h"
#include "pruning/unit_set.h"

namespace lamina {

class ScoringContext;

/// evo: the evolutionary search's knobs (EvoPress, arXiv 2410.14649).
struct EvoOptions {
    /// Units to remove, one search each (from the requested ratios). Not part of the key: a
    /// stored evo trajectory holds one step per size searched and grows as sizes are added.
    std::vector<int64_t> sizes;
    int64_t generations = 0;  ///< per size; 0: EvoPress's rule k(n−k)/1.5 (n units, k removed)
    int64_t offspring = 16;   ///< mutations of the parent per generation
    uint64_t seed = 0;        ///< the search's random numbers (not the calibration's --seed)
    int64_t firstLookWindows = 0;   ///< windows of the cheap first selection; 0: a quarter (≥ 1)
    int64_t firstLookSurvivors = 2; ///< offspring the first look passes to the full scoring
    int64_t maxMutations = 3;       ///< swaps per offspring: min of two uniform draws in [1, max]
    int64_t initial = 32;           ///< random configurations the first parent is chosen among
    bool nllFitness = false;        ///< fitness: calibration NLL instead of the divergence
    /// Greedy trajectories to seed from (each one's units in removal order) and, for the key,
    /// what they are ("finercut {...}" per trajectory).
    std::vector<std::vector<Unit>> seedOrders;
    std::vector<std::string> seedNames;
};

/// What a pruning run computes: the method and the options that shape its trajectory (how it
/// computes is ScoringPolicy's). Each method reads its own knobs (pruning/methods/).
struct PruneOptions {
    MethodRef method;
    /// Candidate units; empty: the method's own (MethodTraits::units).
    std::optional<UnitSet> units;
    Divergence divergence = Divergence::Js;  ///< finercut
    int64_t protectFirst = 0;                ///< finercut: blocks [0, k) are never removed
    /// shortened-*: blocks never removed (the "+" heuristic). Default {0,1,2,3,L−2,L−1};
    /// an explicit empty list turns the heuristic off.
    std::vector<int64_t> protectedBlocks;
    bool protectedBlocksSet = false;
    int64_t maxSteps = 0;  ///< iterative methods: 0 = rank every candidate
    int normPower = 1;     ///< shortened-taylor
    SlmOptions slm;        ///< slm (threshold, formula, protected range)
    EvoOptions evo;        ///< evo

    UnitSet unitsOrDefault() const { return units.value_or(method->units); }
};

/// Throws `Error` for units the method cannot rank or inconsistent options.
void checkPruneOptions(const PruneOptions& options);

/// The options that shape `options.method`'s trajectory, as canonical JSON (cache keys);
/// maxSteps is left out: a longer stored trajectory answers any shorter request.
std::string pruneParameters(const PruneOptions& options, const std::string& computeDtype);

/// Steps of `t` needed to remove at least `ratio` of the 2L sublayers (a block counts 2, a
/// merge of k blocks 2(k−1)); all steps if the trajectory never gets there.
std::size_t stepsForRatio(const Trajectory& t, double ratio, int64_t numLayers);

/// Checks the options and runs the method in `context`: a trajectory with the calibration
/// perplexity after each step (one-shot methods remove in score order), named after the
/// method, with its removal counts. Returning false from `progress` throws `Cancelled`.
Trajectory runPruning(ScoringContext& context, const PruneOptions& options, const ProgressFn& progress = {});

}  // namespace lamina
