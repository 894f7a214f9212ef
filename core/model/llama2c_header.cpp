#include "model/llama2c_header.h"

#include <cstring>
#include <initializer_list>
#include <limits>

#include "common/mapped_file.h"

namespace lamina {

namespace {

constexpr std::size_t kHeaderBytes = 7 * sizeof(int32_t);

// Number of float32 values the weights occupy; nullopt when it does not fit in 64 bits.
std::optional<uint64_t> expectedFloats(const Llama2cHeader& h) {
    const uint64_t d = h.dim, hd = h.hiddenDim, l = h.numLayers, v = h.vocabSize;
    const uint64_t headSize = d / h.numHeads, kv = headSize * h.numKvHeads;
    uint64_t n = 0;
    bool overflow = false;
    const auto add = [&](std::initializer_list<uint64_t> factors) {
        uint64_t term = 1;
        for (uint64_t f : factors) overflow |= __builtin_mul_overflow(term, f, &term);
        overflow |= __builtin_add_overflow(n, term, &n);
    };
    add({v, d});                                       // token embedding
    add({l, 2, d});                                    // attention and FFN norms
    add({l, 2, d, d});                                 // wq, wo
    add({l, 2, d, kv});                                // wk, wv
    add({l, 3, d, hd});                                // w1, w2, w3
    add({d});                                          // final norm
    add({static_cast<uint64_t>(h.seqLen), headSize});  // freq_cis
    if (!h.sharedClassifier) add({v, d});
    if (overflow) return std::nullopt;
    return n;
}

}  // namespace

std::optional<Llama2cHeader> probeLlama2c(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size < kHeaderBytes) return std::nullopt;
    const auto file = MappedFile::open(path);
    if (file->size() < kHeaderBytes) return std::nullopt;  // shrank since file_size
    int32_t raw[7];
    std::memcpy(raw, file->data(), kHeaderBytes);
    if (raw[5] == std::numeric_limits<int32_t>::min()) return std::nullopt;  // cannot negate
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
    // Compared in floats, not bytes: floats × 4 can wrap around 2^64 and match a tiny file.
    const auto floats = expectedFloats(h);
    const uint64_t dataBytes = file->size() - kHeaderBytes;
    if (!floats || dataBytes % sizeof(float) != 0 || dataBytes / sizeof(float) != *floats) {
        return std::nullopt;
    }
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
