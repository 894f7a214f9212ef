#include "model/checkpoint.h"

#include <fstream>

#include "common/error.h"
#include "common/json_field.h"

namespace lamina {

namespace fs = std::filesystem;

namespace {

const char* kConvertAdvice =
    "convert it to safetensors first, e.g. in Python: "
    "AutoModelForCausalLM.from_pretrained(DIR).save_pretrained(OUT, safe_serialization=True)";

bool hasPickleMagic(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char magic[4] = {0, 0, 0, 0};
    in.read(reinterpret_cast<char*>(magic), 4);
    if (in.gcount() < 2) return false;
    const bool zip = magic[0] == 'P' && magic[1] == 'K';    // torch.save since 1.6
    const bool pickle = magic[0] == 0x80 && magic[1] <= 5;  // legacy pickle protocol 2..5
    return zip || pickle;
}

bool isPickleName(const fs::path& p) {
    const std::string ext = p.extension().string();
    const std::string name = p.filename().string();
    return ext == ".pt" || ext == ".pth" || ext == ".ckpt" || ext == ".pkl" ||
           name.rfind("pytorch_model", 0) == 0;
}

}  // namespace

void refusePickle(const fs::path& path) {
    if (fs::is_regular_file(path)) {
        if (isPickleName(path) || hasPickleMagic(path)) {
            throw Error(path.string() +
                        ": refusing to load a PyTorch pickle checkpoint (unpickling can execute "
                        "arbitrary code); " +
                        kConvertAdvice);
        }
        return;
    }
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.is_regular_file() && isPickleName(entry.path())) {
            throw Error(entry.path().string() +
                        ": only a PyTorch pickle checkpoint was found and pickles are refused "
                        "(unpickling can execute arbitrary code); " +
                        kConvertAdvice);
        }
    }
}

Checkpoint Checkpoint::open(const fs::path& dir) {
    if (!fs::is_directory(dir)) throw Error(dir.string() + ": not a directory");
    Checkpoint ck;
    ck.mDir = dir;
    const fs::path single = dir / "model.safetensors";
    const fs::path index = dir / "model.safetensors.index.json";
    if (fs::exists(index)) {
        ck.mSourceDescription = index.string();
        const auto json = readJsonFile(index);
        const std::string indexName = index.string();
        const JsonField weightMap = JsonField(json, indexName)["weight_map"];
        weightMap.requireObject();
        const auto& map = weightMap.value();
        if (map.empty()) weightMap.fail("expected at least one tensor");
        std::map<std::string, std::shared_ptr<const SafetensorsFile>> shards;
        for (const auto& [tensor, shardName] : map.items()) {
            if (!shardName.is_string()) {
                throw Error(index.string() + ": weight_map entry '" + tensor +
                            "' must name a shard file");
            }
            const std::string shard = shardName.get<std::string>();
            // A hostile index must not make us read files outside the model directory.
            if (shard.empty() || shard.find('/') != std::string::npos ||
                shard.find('\\') != std::string::npos || shard == "." || shard == "..") {
                throw Error(index.string() + ": weight_map entry '" + tensor + "' names shard '" +
                            shard + "', which is not a plain file name");
            }
            auto it = shards.find(shard);
            if (it == shards.end()) {
                const fs::path shardPath = dir / shard;
                if (!fs::exists(shardPath)) {
                    throw Error(index.string() + ": shard '" + shard + "' (holding tensor '" +
                                tensor + "') is missing from " + dir.string());
                }
                it = shards.emplace(shard, SafetensorsFile::open(shardPath)).first;
                ck.mFiles.push_back(it->second);
            }
            const TensorView* view = it->second->find(tensor);
            if (view == nullptr) {
                throw Error(it->second->path().string() + ": tensor '" + tensor + "' listed in " +
                            index.filename().string() + " is not in this shard");
            }
            ck.mTensors[tensor] = view;
        }
    } else if (fs::exists(single)) {
        ck.mSourceDescription = single.string();
        ck.mFiles.push_back(SafetensorsFile::open(single));
        for (const auto& view : ck.mFiles.back()->tensors()) ck.mTensors[view.name] = &view;
    } else {
        refusePickle(dir);
        throw Error(dir.string() + ": no model.safetensors or model.safetensors.index.json found");
    }
    return ck;
}

const TensorView* Checkpoint::find(std::string_view name) const {
    auto it = mTensors.find(name);
    return it == mTensors.end() ? nullptr : it->second;
}

const TensorView& Checkpoint::get(std::string_view name) const {
    if (const TensorView* v = find(name)) return *v;
    throw Error(mSourceDescription + ": tensor '" + std::string(name) + "' not found");
}

std::vector<std::string> Checkpoint::tensorNames() const {
    std::vector<std::string> names;
    names.reserve(mTensors.size());
    for (const auto& [name, view] : mTensors) names.push_back(name);
    return names;
}

}  // namespace lamina
