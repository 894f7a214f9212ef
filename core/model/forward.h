#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "model/ablation.h"
#include "model/model.h"

namespace lamina {

/// Named tap sites of the forward pass (one vocabulary for CKA, importance and ablation).
enum class TapSite {
    Residual,  ///< h_i: the residual stream entering block i; i = L is the last block's output
    AttnOut,   ///< output of block i's attention sublayer, before it is added to the residual
    MlpOut,    ///< output of block i's FFN sublayer, before it is added to the residual
};

struct TapPoint {
    int64_t layer;
    TapSite site;
};

/// Observers of intermediate tensors. Only requested sites are reported; the tensor handed to
/// `onTap` (shape (B, T, d), compute dtype) is the forward pass's own, not a copy — keep a
/// reference to retain it, never modify it. Removed sublayers report nothing.
struct Taps {
    bool residual = false;
    bool attnOut = false;
    bool mlpOut = false;
    std::function<void(const TapPoint&, const at::Tensor&)> onTap;

    bool wants(TapSite site) const;
};

/// Keys and values of the positions seen so far, per block, for incremental decoding. Each
/// block's buffer holds `capacity` positions of which the first `length()` are filled; new
/// positions are written in place, and a full buffer grows by doubling (so decoding never
/// reallocates per token once `reserve` covers the sequence). Blocks without attention keep
/// no buffer.
struct KvCache {
    std::vector<at::Tensor> keys;    // per block: (B·nKV, capacity, hd), RoPE applied
    std::vector<at::Tensor> values;  // per block: (B·nKV, capacity, hd)
    int64_t filled = 0;              ///< P: positions cached
    int64_t reserve = 0;             ///< positions to allocate on first use (0: as many as arrive)
    int64_t length() const { return filled; }
    /// Bytes of the buffers (allocated capacity, all blocks).
    int64_t bytes() const;
};

/// Embedding lookup: ids (B, T) int64 → h_0 (B, T, d).
at::Tensor embedTokens(const Model& model, const at::Tensor& ids);

/// Runs blocks [begin, end) on the residual stream `h` (B, T, d) whose first position is
/// `startPos`. Reports h_begin … h_end and sublayer outputs to `taps` when given. Starting at
/// a cached h_begin gives the same result as running from block 0. With `cache`, the new
/// positions attend to the cached ones too and their keys/values are appended (startPos must
/// then equal cache->length(), and [begin, end) must be all blocks).
at::Tensor runBlocks(const Model& model, at::Tensor h, int64_t begin, int64_t end,
                     const Ablation& ablation = {}, const Taps* taps = nullptr,
                     int64_t startPos = 0, KvCache* cache = nullptr);

/// Final RMSNorm: h_L → normalised hidden states (B, T, d).
at::Tensor finalNorm(const Model& model, const at::Tensor& h);

/// Logits (B, T, V) from the last block's output h_L (applies the final norm).
at::Tensor lmLogits(const Model& model, const at::Tensor& h);

/// Per-token next-token negative log-likelihood (B, T-1), float32 (float64 for a float64
/// model), from h_L and the input ids;
/// position t scores ids[:, t+1]. Computes logits in row chunks so a (B, T, V) tensor is never
/// held in memory at once.
at::Tensor nextTokenNll(const Model& model, const at::Tensor& h, const at::Tensor& ids);

/// The whole causal LM: ids (B, T) → logits (B, T, V).
at::Tensor forwardLogits(const Model& model, const at::Tensor& ids, const Ablation& ablation = {},
                         const Taps* taps = nullptr);

/// RMSNorm as in transformers: float32 statistics, result cast back before the weight.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace lamina
