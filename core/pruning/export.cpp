#include "pruning/export.h"

#include <cstdio>
#include <random>

#include "common/error.h"
#include "pruning/export_config.h"
#include "pruning/export_options.h"
#include "pruning/export_tensors.h"
#include "pruning/export_writer.h"
#include "pruning/gguf_export.h"

namespace lamina {

namespace fs = std::filesystem;

namespace {

// A sibling of the output directory that is removed unless renamed into place, so a failed or
// cancelled export leaves nothing half-written under the final name.
class StagingDir {
public:
    explicit StagingDir(const fs::path& target) {
        std::random_device random;
        char suffix[20];
        std::snprintf(suffix, sizeof suffix, "%08x", random());
        mPath = target.parent_path() / ("." + target.filename().string() + ".partial-" + suffix);
        std::error_code ec;
        if (!fs::create_directory(mPath, ec)) {
            throw Error(mPath.string() + ": cannot create the staging directory: " +
                        (ec ? ec.message() : "it exists"));
        }
    }
    ~StagingDir() {
        std::error_code ec;
        if (!mCommitted) fs::remove_all(mPath, ec);
    }
    StagingDir(const StagingDir&) = delete;
    StagingDir& operator=(const StagingDir&) = delete;

    const fs::path& path() const { return mPath; }

    void commit(const fs::path& target) {
        std::error_code ec;
        fs::remove(target, ec);  // an empty directory the caller prepared (checked before)
        fs::rename(mPath, target, ec);
        if (ec) throw Error(target.string() + ": cannot move the export into place: " + ec.message());
        mCommitted = true;
    }

private:
    fs::path mPath;
    bool mCommitted = false;
};

void checkOutDir(const fs::path& outDir) {
    std::error_code ec;
    if (!fs::exists(outDir, ec)) return;
    if (!fs::is_directory(outDir, ec)) {
        throw Error(outDir.string() + ": exists and is not a directory; refusing to overwrite it");
    }
    if (!fs::is_empty(outDir, ec)) {
        throw Error(outDir.string() + ": directory is not empty; refusing to overwrite it");
    }
}

std::vector<std::string> copyTokenizerFiles(const fs::path& sourceDir, const fs::path& dir) {
    std::vector<std::string> copied;
    if (!fs::is_directory(sourceDir)) return copied;
    for (const std::string& name : tokenizerFileNames()) {
        const fs::path from = sourceDir / name;
        if (!fs::is_regular_file(from)) continue;
        std::error_code ec;
        fs::copy_file(from, dir / name, ec);
        if (ec) throw Error(from.string() + ": cannot copy into the export: " + ec.message());
        copied.push_back(name);
    }
    return copied;
}

}  // namespace

ExportFormat parseExportFormat(const std::string& text) {
    if (text == "hf") return ExportFormat::Hf;
    if (text == "decilm") return ExportFormat::DeciLm;
    if (text == "gguf") return ExportFormat::Gguf;
    throw Error("export format '" + text + "': expected hf, decilm or gguf");
}

void exportPrunedModel(const Model& original, const PruningPlan& plan, const fs::path& sourceDir,
                       const fs::path& outDir, ExportFormat format, const ProgressFn& progress,
                       std::optional<GgufTensorType> ggufType) {
    ExportOptions options;
    options.ggufType = ggufType;
    exportPrunedModel(original, plan, sourceDir, outDir, format, progress, options);
}

void exportPrunedModel(const Model& original, const PruningPlan& plan, const fs::path& sourceDir,
                       const fs::path& outDir, ExportFormat format, const ProgressFn& progress,
                       const ExportOptions& options) {
    fs::path target = fs::absolute(outDir).lexically_normal();
    if (target.filename().empty()) target = target.parent_path();  // "out/"
    if (target.filename().empty() || target.filename() == "..") {
        throw Error(outDir.string() + ": not a usable output name");
    }
    if (format != ExportFormat::Gguf) {
        checkOutDir(target);
    } else if (fs::exists(target)) {
        throw Error(outDir.string() + ": exists; refusing to overwrite it");
    }
    if (!fs::exists(sourceDir)) throw Error(sourceDir.string() + ": no such file or directory");
    if (!plan.family.empty() && plan.family != original.config.family) {
        throw Error(outDir.string() + ": the plan is for a " + plan.family + " model, the source (" +
                    sourceDir.string() + ") is " + original.config.family);
    }
    const StoredDtypes dtypes(sourceDir);
    bool rounded = false;
    const std::shared_ptr<const Model> pruned = storedPrunedModel(original, plan, dtypes, &rounded);
    if (format != ExportFormat::Gguf) checkExportable(original, *pruned, format, outDir.string());
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw Error(target.parent_path().string() + ": cannot create: " + ec.message());
    if (format == ExportFormat::Gguf) {
        writeGgufModel(original, *pruned, dtypes, sourceDir, target, options.ggufType, progress);
        return;
    }
    const nlohmann::json sourceConfig = sourceConfigJson(sourceDir, original.config);
    const std::vector<ExportTensor> tensors = exportTensors(original, *pruned, format, dtypes);
    StagingDir staging(target);
    writeCheckpointTensors(staging.path(), tensors, options.maxShardBytes, progress);
    const std::vector<std::string> copied = copyTokenizerFiles(sourceDir, staging.path());
    writeJsonFile(staging.path() / "config.json",
                  exportConfig(sourceConfig, original, *pruned, plan, format, sourceDir, copied,
                               rounded));
    checkOutDir(target);  // still empty or absent after the (possibly long) write
    staging.commit(target);
}

}  // namespace lamina
