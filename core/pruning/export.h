#pragma once

#include <filesystem>
#include <string>

#include "model/model.h"
#include "pruning/plan.h"

namespace lamina {

/// Output formats of `lamina-cli apply` (docs/export.md).
enum class ExportFormat {
    Hf,      ///< plain LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM
    DeciLm,  ///< per-layer block_configs with no_op sublayers (Nemotron-NAS / DeciLM)
};

ExportFormat parseExportFormat(const std::string& text);  ///< "hf" | "decilm"; throws `Error`

/// Writes the model pruned by `plan` as a standard checkpoint directory `outDir` (config.json,
/// model.safetensors or shards, tokenizer files copied from `sourceDir`). `original` is the
/// unpruned model loaded from `sourceDir`. Refuses to overwrite a non-empty `outDir`.
/// Throws `Error` naming the file on any failure; a partly written directory is removed.
void exportPrunedModel(const Model& original, const PruningPlan& plan,
                       const std::filesystem::path& sourceDir, const std::filesystem::path& outDir,
                       ExportFormat format, const ProgressFn& progress = {});

}  // namespace lamina
