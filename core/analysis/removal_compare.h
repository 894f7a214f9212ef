#pragma once

// Internal to unit_removal.cpp: the output side of scoring a removal (reference distribution,
// NLL and divergence of a candidate's last-block output), in row pieces that can stop early.

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>

#include "analysis/divergence.h"
#include "analysis/unit_removal.h"
#include "model/model.h"

namespace lamina::removal {

/// The reference output of one chunk: final-normed hidden states and, (B·T, V) float32, the
/// logits (L2) or their log-softmax (the distribution divergences), computed once per chunk
/// rather than again for every candidate compared against it.
struct Reference {
    at::Tensor head;    // (V, d) the output layer in the compute dtype (shared, converted once)
    at::Tensor normed;  // (B·T, d)
    at::Tensor values;  // (B·T, V) float32: logits for L2, log-probabilities otherwise
    /// Rows in the order they are compared, when not 0..B·T−1: `normed` and `values` are
    /// stored in this order (see inRowOrder).
    at::Tensor order;
};

/// `head`: inComputeType(model, model.lmHead), converted once by the caller for all chunks and
/// candidates (a mapped bf16 output layer would otherwise be converted per comparison).
Reference makeReference(const Model& model, const at::Tensor& head, const at::Tensor& hL,
                        Divergence divergence);

/// Raw sums over positions (not yet divided by their counts).
struct Sums {
    double nll = 0;         ///< next-token NLL over positions 0..T−2 of each window
    double divergence = 0;  ///< divergence from the reference at every position
};

/// Asked after each piece of rows with this chunk's sums so far and the rows compared so far;
/// returning false stops the comparison there.
using KeepGoing = std::function<bool(const Sums& soFar, int64_t rows)>;

struct Compared {
    Sums sums;
    int64_t rows = 0;  ///< rows (positions) compared; below B·T when `keepGoing` stopped it
    /// With `perRow`: each compared row's divergence and NLL (0 for a window's last position),
    /// float64, in the order compared.
    at::Tensor rowDivergence, rowNll;
};

/// NLL of next tokens and divergence from `ref` for last-block output `h` (B, T, d), in the
/// reference's row order.
Compared compare(const Model& model, const at::Tensor& h, const at::Tensor& ids, const Reference& ref,
                 Divergence divergence, const KeepGoing& keepGoing = {}, bool perRow = false);

/// `ref` with its rows in the order later comparisons should visit them: the rows where the
/// base model (`base`, compared with perRow) is furthest from the reference by `by` first.
/// A candidate's partial sums then grow fastest at the start, so a bounded search can stop
/// it after fewer rows. Every mode uses the same order, so the sums round alike.
Reference inRowOrder(const Reference& ref, const Compared& base, BoundMetric by);

/// A chunk's reference in the order comparisons visit its rows, and the base's own NLL.
struct OrderedReference {
    Reference ref;
    double baseNll = 0;
};

/// `natural` (a reference in natural row order) compared with the base's last-block output
/// `hL` row by row, then reordered by `by` (inRowOrder): what every candidate of a chunk is
/// compared against, in scoreUnitRemovals and in comparing a whole pruned model alike.
OrderedReference orderedReference(const Model& model, const at::Tensor& hL, const at::Tensor& ids,
                                  const Reference& natural, Divergence divergence, BoundMetric by);

/// What a divergence sum over `positions` rows is divided by for its mean (JsReleased also
/// averages over the vocabulary).
double divergenceScale(const Model& model, int64_t positions, Divergence divergence);

/// One unit's running sums.
struct UnitSums {
    Sums sums;
    int64_t rows = 0;  ///< positions compared so far
    bool abandoned = false;
};

/// Mean NLL, perplexity and divergence per unit from the raw sums (+inf for abandoned units).
UnitRemovalScores assembleScores(const Model& model, const TokenWindows& windows,
                                 const std::vector<Unit>& units, const std::vector<UnitSums>& sums,
                                 double baseNll, const RemovalOptions& options);

/// scoreUnitRemovals with options.layerByLayer (unit_removal_layered.cpp).
UnitRemovalScores scoreUnitRemovalsLayered(const Model& model, const TokenWindows& windows,
                                           const std::vector<Unit>& units,
                                           const RemovalOptions& options, const ProgressFn& progress);

/// Upper bound of float32 rounding in one position's divergence: JS and KL are non-negative
/// in exact arithmetic but a position whose distributions nearly agree can round to about
/// −1e-7; angular distance and L2 are non-negative as computed.
double roundingSlackPerRow(Divergence divergence);

}  // namespace lamina::removal
