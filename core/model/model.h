#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/progress.h"
#include "model/compute_dtype.h"
#include "model/config.h"

namespace lamina {

/// Attention sublayer of one block (HF names: input_layernorm, self_attn.{q,k,v,o}_proj).
struct AttentionWeights {
    at::Tensor norm;            // (d)
    at::Tensor wq;              // (nH*hd, d)
    at::Tensor wk;              // (nKV*hd, d)
    at::Tensor wv;              // (nKV*hd, d)
    at::Tensor wo;              // (d, nH*hd)
    at::Tensor bq, bk, bv, bo;  // (nH*hd), (nKV*hd), (nKV*hd), (d); undefined when absent
};

/// SwiGLU FFN sublayer (HF names: post_attention_layernorm, mlp.{gate,up,down}_proj).
struct MlpWeights {
    at::Tensor norm;               // (d)
    at::Tensor gate;               // (ff, d)
    at::Tensor up;                 // (ff, d)
    at::Tensor down;               // (d, ff)
    at::Tensor bgate, bup, bdown;  // (ff), (ff), (d); undefined when absent
};

/// One decoder block. In a pruned model a removed sublayer has undefined weights.
struct BlockWeights {
    AttentionWeights attn;
    MlpWeights mlp;

    bool hasAttention() const { return attn.wq.defined(); }
    bool hasMlp() const { return mlp.gate.defined(); }
};


struct LoadOptions {
    ComputeDtype compute = ComputeDtype::Float32;
    WeightResidence weights = WeightResidence::Mapped;  ///< CPU only; a device gets a copy
    at::Device device = at::kCPU;                       ///< see model/device.h
    ProgressFn progress;  ///< per tensor loaded
};

/// A loaded decoder. Weight tensors alias the memory-mapped file in their stored dtype
/// (WeightResidence::Mapped, the default) or are copies in the compute dtype (Converted);
/// code that computes with a weight takes it through `inComputeType`. Tensors keep their
/// mapping alive, so a Model can outlive the objects it was loaded from. Never modify a
/// weight in place: mapped weights are read-only memory.
struct Model {
    ModelConfig config;    ///< numLayers == blocks.size()
    at::Tensor embed;      // (V, d)
    at::Tensor finalNorm;  // (d)
    at::Tensor lmHead;     // (V, d); the same tensor as `embed` when tied
    std::vector<BlockWeights> blocks;
    at::ScalarType computeType = at::kFloat;
    std::filesystem::path source;  ///< directory or file it was loaded from
    std::string format;            ///< "hf-safetensors" or "llama2c"
    /// Block i's index in the checkpoint it was loaded from (a pruned model keeps the original
    /// numbering; a merged block has its window's first index). Empty means 0, 1, 2, ...
    std::vector<int64_t> sourceLayers;

    int64_t numLayers() const { return static_cast<int64_t>(blocks.size()); }
};

/// Loads a model from a Hugging Face directory (config.json + safetensors, single or sharded)
/// or a llama2.c checkpoint file. Refuses PyTorch pickles. Throws `Error` naming the file and
/// the tensor or field on any inconsistency (missing tensors, shapes that disagree with the
/// config, ...), and `Cancelled` when the progress callback asks to stop.
std::shared_ptr<const Model> loadModel(const std::filesystem::path& path,
                                       const LoadOptions& options = {});

at::ScalarType toScalarType(ComputeDtype dtype);

/// What `model` computes in: the one source of the dtype in cache keys once a model is loaded.
ComputeDtype computeDtypeOf(const Model& model);

/// `w` in dtype `type`: `w` itself when it already is (or is undefined), otherwise a
/// converted temporary (mapped weights keep the checkpoint's dtype until used).
inline at::Tensor inType(const at::Tensor& w, at::ScalarType type) {
    return !w.defined() || w.scalar_type() == type ? w : w.to(type);
}

/// `w` in `model`'s compute dtype.
inline at::Tensor inComputeType(const Model& model, const at::Tensor& w) {
    return inType(w, model.computeType);
}

}  // namespace lamina
