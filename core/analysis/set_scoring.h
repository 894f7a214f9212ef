#pragma once

// Whole configurations (sets of removed units) scored against the unpruned model on chosen
// calibration windows: the fitness of a search over what to remove (pruning/methods/evo.cpp).

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "analysis/divergence.h"
#include "common/progress.h"
#include "data/token_windows.h"
#include "model/ablation.h"

namespace lamina {

struct Model;

/// What to score and how far (ScoringContext::setDivergences).
struct SetScoring {
    std::vector<Ablation> candidates;
    /// Calibration windows scored on, ascending and distinct; empty: all of them.
    std::vector<int64_t> windows;
    Divergence divergence = Divergence::Js;
    /// Score by the configuration's own calibration NLL (mean per predicted token) instead of
    /// its divergence from the unpruned model.
    bool nll = false;
    /// The configuration the candidates were derived from: its residual stream is computed
    /// once and every candidate resumes it at the first block where they differ.
    Ablation base;
    /// The configuration whose per-position divergence (NLL) orders the rows compared (largest
    /// first, so a hopeless candidate stops early); empty: `base`. The values depend on the
    /// order in the last bits only, so a search that compares values across calls keeps it fixed.
    Ablation order;
    /// > 0: a candidate is abandoned (+∞) as soon as it cannot be among the `survivors` lowest
    /// scored in this call; the survivors and their values are those of scoring every candidate.
    int64_t survivors = 0;
    /// A candidate whose value exceeds this is abandoned too.
    double bound = std::numeric_limits<double>::infinity();
};

struct SetScores {
    std::vector<double> values;  ///< mean divergence per position (NLL per predicted token); +∞ where abandoned
    /// Rows compared over rows of one full scoring on every calibration window: the cost in
    /// candidate evaluations.
    double evaluations = 0;
};

/// The unpruned model's outputs on a set of windows, kept (within a budget) so that each call
/// costs only its candidates' forward passes.
class SetScorer {
public:
    /// `model` must outlive this; `batch`: windows per forward.
    SetScorer(const Model& model, TokenWindows windows, int64_t batch, int64_t keepBytes = int64_t{1} << 30);
    ~SetScorer();
    SetScorer(const SetScorer&) = delete;
    SetScorer& operator=(const SetScorer&) = delete;

    /// Candidates in order (an earlier one's value tightens the bound for the later ones).
    /// Progress counts candidates; throws `Cancelled` when it asks.
    SetScores score(const SetScoring& scoring, const ProgressFn& progress = {});

private:
    struct Impl;
    std::unique_ptr<Impl> mImpl;
};

}  // namespace lamina
