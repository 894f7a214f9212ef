#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/divergence.h"
#include "common/progress.h"
#include "data/token_windows.h"
#include "model/forward.h"
#include "model/unit.h"

namespace lamina {

/// The quantity a bounded search bounds: the divergence or the NLL (and so the perplexity).
enum class BoundMetric { Divergence, Nll };

/// The unablated model's output on each chunk of a set of windows, kept between calls of
/// scoreUnitRemovals with `againstOriginal` (a greedy search's steps) instead of being
/// recomputed every call. Opaque; refilled when the model, the windows, the batch or the
/// divergence change.
struct OriginalReferences;
std::shared_ptr<OriginalReferences> makeOriginalReferences();

/// Every candidate's residual stream from one call of scoreUnitRemovals, kept for the next
/// (a greedy search's next step): the chosen unit's stream is the next base's, so its pass
/// is skipped, and a candidate whose stream left the base's before the chosen unit's block
/// resumes its own stream there instead of rerunning the blocks in between. Opaque.
struct CandidateStreams;
std::shared_ptr<CandidateStreams> makeCandidateStreams();

struct RemovalOptions {
    Ablation base;                     ///< units already removed (earlier greedy steps)
    Divergence divergence = Divergence::Js;
    /// Compare against the unablated model (FinerCut: "the full model") instead of `base`.
    bool againstOriginal = false;
    /// With againstOriginal: where that model's outputs are kept between calls, when all
    /// chunks' fit in keepContextsBytes (null: computed in every call).
    std::shared_ptr<OriginalReferences> originals;
    /// Start each candidate at its own block from cached residual states (identical results,
    /// about half the work); false runs every candidate from block 0 (for tests/benchmarks).
    bool prefixReuse = true;
    /// With prefixReuse: where candidates' streams are kept between calls, as many as fit in
    /// keepStreamsBytes (null: none kept). Same scores bit for bit.
    std::shared_ptr<CandidateStreams> streams;
    int64_t keepStreamsBytes = int64_t{1} << 30;
    int64_t batchWindows = 4;
    /// Bounded search, for greedy steps that need only the best unit: when ≥ 0, units[leader]
    /// is scored first and every other unit is abandoned as soon as its partial sum of
    /// `boundBy` exceeds the best complete one (plus a rounding slack), so it cannot be the
    /// arg-min. Abandoned units get +∞ scores; the arg-min (ties: the earlier unit) and its
    /// scores are exactly those of scoring every unit. −1 scores every unit in full.
    int64_t leader = -1;
    BoundMetric boundBy = BoundMetric::Divergence;
    /// The bounded search keeps every chunk's cached states and reference between its two
    /// passes (the leader's, then the others') when they fit in this; otherwise it recomputes.
    int64_t keepContextsBytes = int64_t{512} << 20;
    /// Advance every chunk and every unit's pruned stream one block at a time, dropping each
    /// block's mapped weight pages after it (about one block of weights resident; the
    /// streams cost units × windows × T × d floats). Same scores bit for bit. Needs prefix
    /// reuse, an empty `base` and no leader.
    bool layerByLayer = false;
};

/// What removing each unit (on top of `base`) does to the model's output on a set of windows.
struct UnitRemovalScores {
    std::vector<Unit> units;
    std::vector<double> perplexity;  ///< calibration PPL with base + the unit removed
    std::vector<double> nll;         ///< mean next-token NLL, the same (log of perplexity)
    std::vector<double> divergence;  ///< vs the reference, per RemovalOptions::divergence
    /// `boundBy` per position over the positions scored (all of them unless abandoned): the
    /// order in which the next greedy step should try the units.
    std::vector<double> estimate;
    int64_t abandoned = 0;           ///< units a bounded search stopped scoring early
    double basePerplexity = 0;       ///< with `base` only
};

/// Scores every unit of `units` chunk by chunk: one pass of the `base` model caches the
/// residual stream at every block boundary (and after every attention sublayer), and each
/// candidate's forward starts at its own block from that cache. Progress counts block
/// forwards (an abandoned unit's remaining ones count as done); returning false throws
/// `Cancelled`.
UnitRemovalScores scoreUnitRemovals(const Model& model, const TokenWindows& windows,
                                    const std::vector<Unit>& units,
                                    const RemovalOptions& options = {},
                                    const ProgressFn& progress = {});

}  // namespace lamina
