#pragma once

// Internal to unit_removal.cpp: residual streams of the base model and of each candidate,
// and running a stream onward with one more unit removed from where that unit acts.

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "model/ablation.h"
#include "model/forward.h"
#include "model/model.h"
#include "model/unit.h"

namespace lamina::removal {

/// One chunk's residual stream under some ablation: h[i] entering block i (i = 0..L) and
/// mid[i] = h_i + attn_i inside block i (undefined where that attention is removed).
struct Stream {
    std::vector<at::Tensor> h, mid;
};

/// Taps that record the states a runBlocks call passes into `s` (h at every block it enters
/// and its output, h + attn inside every block whose attention runs).
Taps recordingInto(Stream& s);

/// Keeps, in order, the units' streams (per unit, one per chunk) that are whole (`chunks` of
/// them) while the distinct states they hold fit in `budget` bytes; clears the others.
void keepWithin(std::vector<std::vector<Stream>>& perUnit, std::size_t chunks, int64_t budget);

/// The first block a stream runs once `unit` is removed: its own block for an attention, the
/// next for an FFN (from h_i + attn_i) or a whole block.
int64_t entryBlock(const Unit& unit);

/// Last-block output of stream `s` (computed under `before`) with `unit` removed too, under
/// `after` (= before + unit + whatever acts only from unit's block on): runs from
/// entryBlock(unit). `record`: set to the stream under `after`, sharing s's states before
/// the entry (nullptr: not recorded).
at::Tensor resume(const Model& model, const Stream& s, const Ablation& before, const Unit& unit,
                  const Ablation& after, Stream* record);

}  // namespace lamina::removal
