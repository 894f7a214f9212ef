#pragma once

#include <ATen/ATen.h>

#include <memory>

#include "model/forward.h"
#include "model/model.h"
#include "model/rope.h"

namespace lamina {

/// Whether a DecodeStepper serves `model`: float32 compute on the CPU.
bool canDecodeStep(const Model& model);

/// Decoding steps of one token per row for a fixed batch, after runBlocks filled the KV
/// cache with the prompt. Batch-1 decoding reads every weight once per token, so it is bound
/// by memory and by per-call overhead: the stepper takes raw float32 rows of the weights
/// once, and each step runs as ~5 parallel phases per block on its own team of threads
/// (vector_kernels.h for the products), with no allocation but the logits. Arithmetic as
/// runBlocks (RMSNorm, rotate-half RoPE, softmax attention over the cache with the sliding
/// window, SwiGLU) up to float rounding.
class DecodeStepper {
public:
    /// `threads` workers (the caller is one of them); weights that are not float32 are
    /// converted once and held here.
    DecodeStepper(const Model& model, int64_t batch, int threads);
    ~DecodeStepper();
    DecodeStepper(const DecodeStepper&) = delete;
    DecodeStepper& operator=(const DecodeStepper&) = delete;

    /// `ids` (B) int64 at position cache.length(); the cache must have room for it and `rope`
    /// must cover it. Appends the keys and values; returns the logits (B, V) float32.
    at::Tensor step(const at::Tensor& ids, KvCache& cache, const RopeTable& rope);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lamina
