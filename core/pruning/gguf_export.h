#pragma once

// Internal to exportPrunedModel (pruning/export.h): the GGUF format (docs/export.md).

#include <filesystem>
#include <optional>

#include "common/progress.h"
#include "model/gguf_types.h"
#include "model/model.h"
#include "pruning/export_tensors.h"

namespace lamina {

/// Writes `pruned` (from storedPrunedModel) as one GGUF file llama.cpp runs: architecture
/// `llama` or `qwen2` when every block is whole, `deci` (per-block head counts and FFN widths)
/// when sublayers are removed; Q/K rows permuted to ggml's interleaved RoPE where the
/// architecture wants it; the tokenizer of `sourcePath` as tokenizer.ggml.* metadata.
/// `type` is the weights' type (nullopt: the checkpoint's own float type); vectors stay f32
/// and q8_0 falls back to f16 for rows that are not whole blocks. Throws `Error` naming the
/// file for what GGUF cannot express, `Cancelled` on a stop request.
void writeGgufModel(const Model& original, const Model& pruned, const StoredDtypes& dtypes,
                    const std::filesystem::path& sourcePath, const std::filesystem::path& outFile,
                    std::optional<GgufTensorType> type, const ProgressFn& progress);

}  // namespace lamina
