#pragma once

// Internal to exportPrunedModel (pruning/export.h): writing the exported files.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/progress.h"
#include "pruning/export_tensors.h"

namespace lamina {

/// transformers' default `max_shard_size` ("5GB").
inline constexpr int64_t kDefaultShardBytes = 5'000'000'000;

/// Writes `tensors` into the directory `dir` as one model.safetensors, or, when they exceed
/// `maxShardBytes`, as model-0000i-of-0000N.safetensors shards of at most that size (a larger
/// tensor gets a shard of its own) plus model.safetensors.index.json. Converts one shard's
/// tensors at a time. Reports progress per tensor; throws `Error` naming the file on I/O
/// errors and `Cancelled` when the callback asks to stop. Returns the files written.
std::vector<std::string> writeCheckpointTensors(const std::filesystem::path& dir,
                                                const std::vector<ExportTensor>& tensors,
                                                int64_t maxShardBytes, const ProgressFn& progress);

/// Writes `value` pretty-printed; throws `Error` naming the file.
void writeJsonFile(const std::filesystem::path& path, const nlohmann::json& value);

}  // namespace lamina
