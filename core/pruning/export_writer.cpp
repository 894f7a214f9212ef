#include "pruning/export_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

#include "common/error.h"
#include "model/safetensors_writer.h"

namespace lamina {

namespace fs = std::filesystem;

namespace {

std::string shardName(std::size_t index, std::size_t count) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", index + 1, count);
    return name;
}

}  // namespace

void writeJsonFile(const fs::path& path, const nlohmann::json& value) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << value.dump(2) << "\n";
    out.flush();
    if (!out) throw Error(path.string() + ": cannot write: " + std::strerror(errno));
}

std::vector<std::string> writeCheckpointTensors(const fs::path& dir,
                                                const std::vector<ExportTensor>& tensors,
                                                int64_t maxShardBytes, const ProgressFn& progress) {
    // Shard boundaries first, so that every file knows its final name.
    std::vector<std::vector<std::size_t>> shards;
    int64_t shardBytes = 0, totalBytes = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const int64_t bytes = tensors[i].bytes();
        if (shards.empty() || (shardBytes > 0 && shardBytes + bytes > maxShardBytes)) {
            shards.emplace_back();
            shardBytes = 0;
        }
        shards.back().push_back(i);
        shardBytes += bytes;
        totalBytes += bytes;
    }
    const std::map<std::string, std::string> metadata = {{"format", "pt"}};  // transformers checks it
    std::vector<std::string> files;
    nlohmann::json weightMap = nlohmann::json::object();
    const auto total = static_cast<int64_t>(tensors.size());
    int64_t done = 0;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        const std::string name = shards.size() == 1 ? "model.safetensors" : shardName(s, shards.size());
        std::vector<std::pair<std::string, at::Tensor>> data;
        for (std::size_t i : shards[s]) {
            data.emplace_back(tensors[i].name, tensors[i].materialize());
            weightMap[tensors[i].name] = name;
            // The shard's last tensor counts once the file is on disk.
            if (i != shards[s].back()) reportProgress(progress, ++done, total);
        }
        writeSafetensors(dir / name, data, metadata);
        files.push_back(name);
        reportProgress(progress, ++done, total);
    }
    if (shards.size() > 1) {
        const std::string index = "model.safetensors.index.json";
        writeJsonFile(dir / index,
                      {{"metadata", {{"total_size", totalBytes}}}, {"weight_map", weightMap}});
        files.push_back(index);
    }
    return files;
}

}  // namespace lamina
