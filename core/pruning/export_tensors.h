#pragma once

// Internal to exportPrunedModel (pruning/export.h): which tensors an export writes, in which
// dtype. Public to tests, which rebuild the model an export stores.

#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/model.h"
#include "pruning/export.h"
#include "pruning/plan.h"

namespace lamina {

/// The dtype each tensor has in the source checkpoint, by Hugging Face name. llama2.c files
/// hold float32 only.
class StoredDtypes {
public:
    /// Reads the safetensors headers of `source` (an HF directory or a llama2.c file). Throws
    /// `Error` like `Checkpoint::open`.
    explicit StoredDtypes(const std::filesystem::path& source);

    /// The stored dtype of `name`; the embedding's for a name the source lacks.
    at::ScalarType of(const std::string& name) const;

private:
    std::map<std::string, at::ScalarType> mTypes;
    at::ScalarType mFallback = at::kFloat;
};

/// The tensors of one block with their HF names relative to "model.layers.N." (undefined
/// ones included), in checkpoint order.
std::vector<std::pair<std::string, at::Tensor*>> blockTensors(BlockWeights& block);

/// The pruned model exactly as `exportPrunedModel` stores it, in `original`'s compute dtype:
/// `applyPlan(original, plan)` with the tensors of merged blocks rounded to the source's
/// stored dtype (rdsc and average merges of upcast bf16 weights give values bf16 cannot hold).
/// Identical to `applyPlan` for plans without merges and for float32 checkpoints; `rounded`,
/// when given, tells whether any tensor changed.
std::shared_ptr<const Model> storedPrunedModel(const Model& original, const PruningPlan& plan,
                                               const StoredDtypes& dtypes, bool* rounded = nullptr);

/// One tensor of the exported checkpoint: a weight, or zeros (a removed sublayer's output
/// projection in the hf format). Materialised only when its shard is written.
struct ExportTensor {
    std::string name;                ///< HF name in the exported checkpoint
    at::Tensor value;                ///< compute dtype; undefined for zeros
    std::vector<int64_t> zeroShape;  ///< the zeros' shape when `value` is undefined
    at::ScalarType dtype = at::kFloat;  ///< written dtype: the source's stored dtype

    int64_t bytes() const;
    at::Tensor materialize() const;  ///< contiguous, in `dtype`
};

/// A removed sublayer of an exported block (exported numbering).
struct RemovedSublayer {
    int64_t layer = 0;
    bool attention = true;  ///< false: the FFN

    std::string label() const { return (attention ? "attn." : "mlp.") + std::to_string(layer); }
};

/// Sublayers `pruned` lacks, block by block.
std::vector<RemovedSublayer> removedSublayers(const Model& pruned);

/// Tensors of the exported checkpoint in writing order. `pruned` comes from
/// `storedPrunedModel(original, ...)`. Hf: a removed sublayer is written with its original
/// weights but a zero output projection (o_proj / down_proj and their biases), so plain
/// transformers computes what removal computes. DeciLm: a removed sublayer has no tensors at
/// all (its norm included); when the family has any attention bias, all four are written
/// (zeros where the source has none) so that every DeciLM consumer reads one bias setting.
std::vector<ExportTensor> exportTensors(const Model& original, const Model& pruned,
                                        ExportFormat format, const StoredDtypes& dtypes);

}  // namespace lamina
