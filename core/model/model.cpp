#include "model/model.h"

#include "common/error.h"
#include "model/checkpoint.h"
#include "model/device.h"
#include "model/gguf_file.h"
#include "model/gguf_loader.h"
#include "model/hf_loader.h"
#include "model/llama2c.h"

namespace lamina {

namespace fs = std::filesystem;

at::ScalarType toScalarType(ComputeDtype dtype) {
    return dtype == ComputeDtype::BFloat16 ? at::kBFloat16 : at::kFloat;
}

ComputeDtype computeDtypeOf(const Model& model) {
    return model.computeType == at::kBFloat16 ? ComputeDtype::BFloat16 : ComputeDtype::Float32;
}

namespace {

std::shared_ptr<const Model> loadOnCpu(const fs::path& path, const LoadOptions& options) {
    if (!fs::exists(path)) throw Error(path.string() + ": no such file or directory");
    if (fs::is_directory(path)) {
        if (!fs::exists(path / "config.json")) {
            refusePickle(path);
            throw Error(path.string() + ": no config.json: not a Hugging Face model directory");
        }
        return loadHfModel(path, options);
    }
    if (probeGguf(path)) return loadGgufModel(path, options);
    if (probeLlama2c(path)) return loadLlama2cModel(path, options);
    refusePickle(path);
    throw Error(path.string() +
                ": unrecognised model file (expected a Hugging Face directory with config.json "
                "and safetensors, a GGUF file, or a llama2.c v0 checkpoint)");
}

}  // namespace

std::shared_ptr<const Model> loadModel(const fs::path& path, const LoadOptions& options) {
    return placeOnDevice(loadOnCpu(path, options), options.device);
}

}  // namespace lamina
