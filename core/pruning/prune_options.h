#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/divergence.h"
#include "common/collective.h"
#include "pruning/slm_options.h"
#include "pruning/trajectory.h"

namespace lamina {

/// finercut, shortened-ppl, shortened-taylor, slm, shortgpt, angular, sleb, blockpruner,
/// llm-drop (methods.md; `lamina-cli prune --method`).
const std::vector<std::string>& pruningMethodNames();

struct PruneOptions {
    std::string method = "finercut";
    /// Candidate units: "sublayer" (attn + mlp), "attn", "mlp" or "block". Empty: the method's
    /// own (finercut, blockpruner: sublayer; llm-drop: attn; block methods: block).
    std::string units;
    Divergence divergence = Divergence::Js;  ///< finercut
    int64_t protectFirst = 0;                ///< finercut: blocks [0, k) are never removed
    /// shortened-*: blocks never removed (the "+" heuristic). Default {0,1,2,3,L−2,L−1};
    /// an explicit empty list turns the heuristic off.
    std::vector<int64_t> protectedBlocks;
    bool protectedBlocksSet = false;
    int64_t maxSteps = 0;  ///< iterative methods: 0 = rank every candidate
    bool prefixReuse = true;
    bool boundedSearch = true;  ///< greedy methods (GreedyOptions::boundedSearch)
    int64_t batchWindows = 0;  ///< 0: automatic
    /// Processes sharing the candidate scoring of greedy methods (MPI ranks); null: this one.
    /// Not a parameter: any group gives the single-process trajectory.
    const Collective* group = nullptr;
    int normPower = 1;         ///< shortened-taylor
    SlmOptions slm;            ///< slm (threshold, formula, protected range)
};

/// finercut, sleb and blockpruner: greedy searches that score every remaining candidate's
/// removal at each step (the methods that share candidates between MPI ranks and run on a
/// device).
bool isGreedyMethod(const std::string& method);

/// The method's candidate units when PruneOptions::units is empty: "sublayer" (finercut,
/// blockpruner), "attn" (llm-drop) or "block".
std::string defaultUnits(const std::string& method);

/// Throws `Error` for unknown methods, units or inconsistent options.
void checkPruneOptions(const PruneOptions& options);

/// The options that shape `options.method`'s trajectory, as canonical JSON (cache keys);
/// maxSteps is left out: a longer stored trajectory answers any shorter request.
std::string pruneParameters(const PruneOptions& options, const std::string& computeDtype);

/// Steps of `t` needed to remove at least `ratio` of the 2L sublayers (a block counts 2, a
/// merge of k blocks 2(k−1)); all steps if the trajectory never gets there.
std::size_t stepsForRatio(const Trajectory& t, double ratio, int64_t numLayers);

}  // namespace lamina
