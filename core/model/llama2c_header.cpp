#include "model/llama2c_header.h"

#include <cstring>

#include "common/mapped_file.h"

namespace lamina {

namespace {

constexpr std::size_t kHeaderBytes = 7 * sizeof(int32_t);

// Number of float32 values the weights occupy, or 0 when the header is implausible.
uint64_t expectedFloats(const Llama2cHeader& h) {
    const uint64_t d = h.dim, hd = h.hiddenDim, l = h.numLayers, v = h.vocabSize;
    const uint64_t headSize = d / h.numHeads, kv = headSize * h.numKvHeads;
    const uint64_t perLayer =
        2 * d + d * d /*wq*/ + 2 * d * kv /*wk,wv*/ + d * d /*wo*/ + 3 * d * hd /*w1,w2,w3*/;
    uint64_t n = v * d + l * perLayer + d + uint64_t(h.seqLen) * headSize /*freq_cis*/;
    if (!h.sharedClassifier) n += v * d;
    return n;
}

}  // namespace

std::optional<Llama2cHeader> probeLlama2c(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size < kHeaderBytes) return std::nullopt;
    const auto file = MappedFile::open(path);
    int32_t raw[7];
    std::memcpy(raw, file->data(), kHeaderBytes);
    Llama2cHeader h{raw[0], raw[1],    raw[2], raw[3], raw[4], raw[5] < 0 ? -raw[5] : raw[5],
                    raw[6], raw[5] > 0};
    const int32_t limit = 1 << 20;
    for (int32_t v :
         {h.dim, h.hiddenDim, h.numLayers, h.numHeads, h.numKvHeads, h.vocabSize, h.seqLen}) {
        if (v <= 0 || v > limit) return std::nullopt;
    }
    if (h.dim % h.numHeads != 0 || h.numHeads % h.numKvHeads != 0 ||
        (h.dim / h.numHeads) % 2 != 0) {
        return std::nullopt;
    }
    if (kHeaderBytes + expectedFloats(h) * sizeof(float) != size) return std::nullopt;
    return h;
}

ModelConfig llama2cConfig(const Llama2cHeader& h) {
    ModelConfig c;
    c.family = "llama";
    c.architecture = "LlamaForCausalLM";
    c.vocabSize = h.vocabSize;
    c.hiddenSize = h.dim;
    c.intermediateSize = h.hiddenDim;
    c.numLayers = h.numLayers;
    c.numHeads = h.numHeads;
    c.numKvHeads = h.numKvHeads;
    c.headDim = h.dim / h.numHeads;
    c.maxPositions = h.seqLen;
    c.rmsNormEps = 1e-5;
    c.ropeTheta = 10000.0;
    c.tieWordEmbeddings = h.sharedClassifier;
    c.bosTokenId = 1;
    c.eosTokenId = 2;
    c.storedDtype = "float32";
    return c;
}

}  // namespace lamina
