#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "model/gguf_types.h"
#include "model/model.h"
#include "pruning/plan.h"

namespace lamina {

/// Output formats of `lamina-cli apply` (docs/export.md).
enum class ExportFormat {
    Hf,      ///< plain LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM
    DeciLm,  ///< per-layer block_configs with no_op sublayers (Nemotron-NAS / DeciLM)
    Gguf,    ///< one GGUF file for llama.cpp (`llama` / `qwen2`, or `deci` for sublayer drops)
};

ExportFormat parseExportFormat(const std::string& text);  ///< "hf" | "decilm" | "gguf"; throws `Error`

/// Writes the model pruned by `plan` as a standard checkpoint directory `outDir` (config.json,
/// model.safetensors or shards, tokenizer files copied from `sourceDir`), or for Gguf as the
/// file `outDir` with the weights in `ggufType` (nullopt: the checkpoint's own float type).
/// `original` is the unpruned model loaded from `sourceDir`. Refuses to overwrite a
/// non-empty `outDir` or an existing GGUF file. Throws `Error` naming the file on any
/// failure; a partly written directory or file is removed.
void exportPrunedModel(const Model& original, const PruningPlan& plan,
                       const std::filesystem::path& sourceDir, const std::filesystem::path& outDir,
                       ExportFormat format, const ProgressFn& progress = {},
                       std::optional<GgufTensorType> ggufType = std::nullopt);

}  // namespace lamina
