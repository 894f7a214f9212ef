#include "model/device.h"

#include <ATen/Context.h>

#include "common/error.h"

namespace lamina {

at::Device parseDevice(const std::string& name) {
    const DeviceName parsed = parseDeviceName(name);
    if (!parsed.cuda) return at::Device(at::kCPU);
    if (!at::hasCUDA()) {
        throw Error("device '" + name +
                    "': this libtorch has no CUDA support (Debian's libtorch is CPU-only); build "
                    "Lamina against a CUDA-enabled libtorch, see docs/benchmarks.md, section GPU");
    }
    const auto gpus = static_cast<int>(at::getNumGPUs());
    if (parsed.index >= gpus) {
        throw Error("device '" + name + "': this machine has " + std::to_string(gpus) +
                    " CUDA device(s)");
    }
    return at::Device(at::kCUDA, static_cast<at::DeviceIndex>(parsed.index));
}

namespace {

at::Tensor onDevice(const at::Tensor& w, at::Device device, at::ScalarType type) {
    // Norm weights and biases too: the forward pass converts whatever it uses to the compute
    // dtype, so storing them converted changes no result.
    return w.defined() ? w.to(device, type) : w;
}

}  // namespace

std::shared_ptr<const Model> placeOnDevice(std::shared_ptr<const Model> model, at::Device device) {
    if (deviceOf(*model) == device) return model;
    auto placed = std::make_shared<Model>(*model);
    const at::ScalarType t = model->computeType;
    placed->embed = onDevice(model->embed, device, t);
    placed->finalNorm = onDevice(model->finalNorm, device, t);
    placed->lmHead = model->lmHead.is_same(model->embed) ? placed->embed
                                                         : onDevice(model->lmHead, device, t);
    for (BlockWeights& b : placed->blocks) {
        for (at::Tensor* w : {&b.attn.norm, &b.attn.wq, &b.attn.wk, &b.attn.wv, &b.attn.wo, &b.attn.bq,
                              &b.attn.bk, &b.attn.bv, &b.attn.bo, &b.mlp.norm, &b.mlp.gate, &b.mlp.up,
                              &b.mlp.down, &b.mlp.bgate, &b.mlp.bup, &b.mlp.bdown}) {
            *w = onDevice(*w, device, t);
        }
    }
    return placed;
}

}  // namespace lamina
