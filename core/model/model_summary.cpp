#include "model/model_summary.h"

#include <set>

#include "common/error.h"
#include "model/checkpoint.h"
#include "model/gguf_config.h"
#include "model/llama2c_header.h"
#include "model/tensor_layout.h"

namespace lamina {

namespace fs = std::filesystem;

LayerSummary layerParams(const ModelConfig& c, int64_t index) {
    const int64_t d = c.hiddenSize, q = c.qDim(), kv = c.kvDim(), ff = c.intermediateSize;
    LayerSummary s;
    s.index = index;
    s.attnParams =
        d + q * d + 2 * kv * d + d * q + (c.qkvBias ? q + 2 * kv : 0) + (c.outputBias ? d : 0);
    s.mlpParams = d + 3 * ff * d + (c.mlpBias ? 2 * ff + d : 0);
    return s;
}

ModelSummary describeModel(const fs::path& path) {
    ModelSummary s;
    s.path = path;
    if (fs::is_directory(path)) {
        if (!fs::exists(path / "config.json")) {
            refusePickle(path);
            throw Error(path.string() + ": no config.json: not a Hugging Face model directory");
        }
        s.format = "hf-safetensors";
        s.config = loadModelConfig(path);
        const Checkpoint ck = Checkpoint::open(path);
        checkTensorsPresent(ck, s.config, path.string());  // people run `info` to check a download
        std::set<std::string> dtypes;
        for (const auto& file : ck.files()) {
            s.files.push_back(file->path().filename().string());
            s.bytesOnDisk += static_cast<int64_t>(file->fileSize());
        }
        for (const auto& name : ck.tensorNames()) {
            const TensorView& v = ck.get(name);
            s.totalParams += v.numel();
            dtypes.insert(std::string(dtypeName(v.dtype)));
        }
        for (const auto& d : dtypes) s.storedDtype += (s.storedDtype.empty() ? "" : "+") + d;
    } else if (probeGguf(path)) {
        const auto file = GgufFile::open(path);
        s.format = "gguf";
        s.config = ggufModelConfig(*file);
        checkGgufTensorsPresent(*file, s.config);  // people run `info` to check a download
        std::set<std::string> types;
        for (const GgufTensorInfo& t : file->tensors()) {
            s.totalParams += t.numel();
            types.insert(tensorTypeName(t.type));
        }
        for (const auto& t : types) s.storedDtype += (s.storedDtype.empty() ? "" : "+") + t;
        s.bytesOnDisk = static_cast<int64_t>(fs::file_size(path));
        s.files.push_back(path.filename().string());
    } else {
        const auto header = probeLlama2c(path);
        if (!header) {
            refusePickle(path);
            throw Error(path.string() + ": unrecognised model file");
        }
        s.format = "llama2c";
        s.config = llama2cConfig(*header);
        s.storedDtype = "F32";
        s.bytesOnDisk = static_cast<int64_t>(fs::file_size(path));
        s.files.push_back(path.filename().string());
    }
    const ModelConfig& c = s.config;
    s.embeddingParams = c.vocabSize * c.hiddenSize;
    s.lmHeadParams = c.tieWordEmbeddings ? 0 : c.vocabSize * c.hiddenSize;
    int64_t blockParams = 0;
    for (int64_t i = 0; i < c.numLayers; ++i) {
        s.layers.push_back(layerParams(c, i));
        if (!c.hasAttention(i)) s.layers.back().attnParams = 0;  // no_op sublayers (nemotron-nas)
        if (!c.hasMlp(i)) s.layers.back().mlpParams = 0;
        blockParams += s.layers.back().attnParams + s.layers.back().mlpParams;
    }
    if (s.format == "llama2c") {
        s.totalParams = s.embeddingParams + s.lmHeadParams + blockParams + c.hiddenSize;
    }
    return s;
}

}  // namespace lamina
