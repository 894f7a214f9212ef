#pragma once

// A whole pruned model compared with the unpruned one on calibration windows, by the same
// chunks, row order and fused, chunked comparison as scoreUnitRemovals: the model with one
// unit removed scores exactly that unit's ppl_drop and js_drop (a click in the GUI's layer map
// and the importance curve agree to the last bit).

#include <cstdint>
#include <memory>

#include "analysis/divergence.h"
#include "common/progress.h"
#include "data/token_windows.h"

namespace lamina {

struct Model;

struct ModelComparison {
    double perplexity = 0;      ///< of the compared model
    double basePerplexity = 0;  ///< of the reference model
    double divergence = 0;      ///< mean per position from the reference model's distributions
};

/// The reference model's outputs on a set of windows, kept within a memory budget so that
/// comparing another model costs that model's forward passes only.
class ReferenceOutputs {
public:
    /// `model` must outlive this. `batch`: windows per forward (to agree with an analysis,
    /// its batch). Chunks' outputs beyond `keepBytes` are recomputed by every comparison.
    ReferenceOutputs(const Model& model, TokenWindows windows, int64_t batch,
                     Divergence divergence = Divergence::Js, int64_t keepBytes = int64_t{512} << 20);
    ~ReferenceOutputs();
    ReferenceOutputs(const ReferenceOutputs&) = delete;
    ReferenceOutputs& operator=(const ReferenceOutputs&) = delete;

    /// Runs the reference model over every chunk not yet seen (keeping the outputs that fit);
    /// comparing does it too when needed. Throws `Cancelled` when progress asks.
    void prepare(const ProgressFn& progress = {});
    /// Perplexity of the reference model (prepares first when needed).
    double basePerplexity(const ProgressFn& progress = {});
    /// `other`: the reference model pruned (applyPlan): the same embedding, final norm and
    /// output layer. Progress counts block forwards.
    ModelComparison compare(const Model& other, const ProgressFn& progress = {});

private:
    struct Impl;
    std::unique_ptr<Impl> mImpl;
};

}  // namespace lamina
