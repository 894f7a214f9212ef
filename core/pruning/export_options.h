#pragma once

// Internal to exportPrunedModel (pruning/export.h): settings the public call fixes.

#include <cstdint>
#include <filesystem>
#include <optional>

#include "pruning/export.h"
#include "pruning/export_writer.h"

namespace lamina {

struct ExportOptions {
    int64_t maxShardBytes = kDefaultShardBytes;  ///< tests lower it to exercise sharding
    std::optional<GgufTensorType> ggufType;             ///< Gguf: the weights' type
};

/// `exportPrunedModel` with `options`.
void exportPrunedModel(const Model& original, const PruningPlan& plan,
                       const std::filesystem::path& sourceDir, const std::filesystem::path& outDir,
                       ExportFormat format, const ProgressFn& progress,
                       const ExportOptions& options);

}  // namespace lamina
