#pragma once

// Internal to exportPrunedModel (pruning/export.h): the exported config.json and what each
// format can express.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"
#include "pruning/export.h"
#include "pruning/plan.h"

namespace lamina {

/// Where transformers finds DeciLM's modelling code for exported decilm checkpoints (they
/// carry no Python files; `auto_map` names this Hub repository's).
inline constexpr const char* kDeciLmCodeRepo = "nvidia/Llama-3_3-Nemotron-Super-49B-v1";

/// Tokenizer and generation files an export copies when the source has them.
const std::vector<std::string>& tokenizerFileNames();

/// The source's config.json, or for a llama2.c source (which has none) the config
/// transformers' LlamaConfig would write for `config`.
nlohmann::json sourceConfigJson(const std::filesystem::path& source, const ModelConfig& config);

/// Throws `Error` starting with `where` when `pruned` cannot be written as `format`: hf from a
/// nemotron-nas source; decilm with sliding-window attention or with an FFN width no ffn_mult
/// expresses (not a multiple of 256).
void checkExportable(const Model& original, const Model& pruned, ExportFormat format,
                     const std::string& where);

/// Known problems of DeciLM consumers with a decilm export of `pruned`, one sentence each
/// (empty when none): llama.cpp and attention-only blocks, vLLM and a first block without
/// attention, llama.cpp and an explicit head_dim.
std::vector<std::string> decilmConsumerNotes(const Model& original, const Model& pruned);

/// config.json of the export: the source's with every unknown field kept and the layer count
/// updated (hf), or rewritten as a nemotron-nas config with block_configs (decilm); plus a
/// "lamina" object recording the plan, the source layers, removed or zeroed sublayers, the
/// tokenizer files copied and, when `mergesRounded`, that merged blocks were rounded.
nlohmann::json exportConfig(const nlohmann::json& source, const Model& original,
                            const Model& pruned, const PruningPlan& plan, ExportFormat format,
                            const std::filesystem::path& sourceDir,
                            const std::vector<std::string>& copiedFiles, bool mergesRounded);

}  // namespace lamina
