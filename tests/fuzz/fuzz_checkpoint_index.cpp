// model.safetensors.index.json beside two valid shards: the index decides which shard each
// tensor is read from, so a hostile one must not reach files outside the directory.

#include <cstring>

#include "fuzz_support.h"
#include "model/checkpoint.h"

namespace {

namespace fs = std::filesystem;

void writeShard(const fs::path& path, const std::string& header, std::size_t dataBytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const uint64_t len = header.size();
    out.write(reinterpret_cast<const char*>(&len), 8);
    out << header << std::string(dataBytes, '\0');
}

// The model directory, with its shards written once per process.
const fs::path& modelDir() {
    static const fs::path dir = [] {
        const fs::path d = lamina::fuzz::scratchDir() / "model";
        fs::create_directories(d);
        writeShard(
            d / "model-00001-of-00002.safetensors",
            R"({"model.embed_tokens.weight":{"dtype":"F32","shape":[4,2],"data_offsets":[0,32]},)"
            R"("model.norm.weight":{"dtype":"BF16","shape":[2],"data_offsets":[32,36]}})",
            36);
        writeShard(d / "model-00002-of-00002.safetensors",
                   R"({"__metadata__":{"format":"pt"},)"
                   R"("lm_head.weight":{"dtype":"F16","shape":[4,2],"data_offsets":[0,16]}})",
                   16);
        return d;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const fs::path& dir = modelDir();
    lamina::fuzz::writeInput("model/model.safetensors.index.json", data, size);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const auto ck = lamina::Checkpoint::open(dir);
        for (const std::string& name : ck.tensorNames()) {
            const lamina::TensorView& t = ck.get(name);
            FUZZ_CHECK(t.name == name);
            FUZZ_CHECK(t.file != nullptr && t.file->parent_path() == dir);
        }
        ck.get("no.such.tensor");
    });
    return 0;
}
