#include <algorithm>
#include <cstdio>
#include <string>

#include "args.h"
#include "commands.h"
#include "console.h"
#include "model/model_summary.h"

namespace lamina::cli {

namespace {

std::string ropeText(const ModelConfig& c) {
    switch (c.ropeScaling.type) {
        case RopeScaling::Type::None:
            return "none";
        case RopeScaling::Type::Linear:
            return "linear";
        case RopeScaling::Type::Llama3:
            return "llama3";
        case RopeScaling::Type::Factors:
            return "per-frequency factors (GGUF rope_freqs)";
    }
    return "?";
}

}  // namespace

int runInfo(const std::vector<std::string>& argv) {
    const Args args(argv, {}, {"json"});
    const ModelSummary s = describeModel(args.positional("MODEL"));
    const ModelConfig& c = s.config;
    if (args.flag("json")) {
        nlohmann::json blocks = nlohmann::json::array();
        for (const auto& l : s.layers) {
            blocks.push_back({{"layer", l.index},
                              {"attention", c.hasAttention(l.index)},
                              {"mlp", c.hasMlp(l.index)},
                              {"attn_params", l.attnParams},
                              {"mlp_params", l.mlpParams}});
        }
        printJson({{"path", s.path.string()},
                   {"format", s.format},
                   {"family", c.family},
                   {"architecture", c.architecture},
                   {"layers", c.numLayers},
                   {"hidden_size", c.hiddenSize},
                   {"intermediate_size", c.intermediateSize},
                   {"heads", c.numHeads},
                   {"kv_heads", c.numKvHeads},
                   {"head_dim", c.headDim},
                   {"vocab_size", c.vocabSize},
                   {"max_positions", c.maxPositions},
                   {"tied_embeddings", c.tieWordEmbeddings},
                   {"qkv_bias", c.qkvBias},
                   {"rope_theta", c.ropeTheta},
                   {"rope_scaling", ropeText(c)},
                   {"sliding_window",
                    c.slidingWindow ? nlohmann::json(*c.slidingWindow) : nlohmann::json(nullptr)},
                   {"dtype", s.storedDtype},
                   {"params", s.totalParams},
                   {"embedding_params", s.embeddingParams},
                   {"lm_head_params", s.lmHeadParams},
                   {"bytes", s.bytesOnDisk},
                   {"files", s.files},
                   {"blocks", blocks}});
        return 0;
    }
    std::printf("%s\n", s.path.c_str());
    std::printf("  format        %s (%zu file%s, %.1f MB)\n", s.format.c_str(), s.files.size(),
                s.files.size() == 1 ? "" : "s", s.bytesOnDisk / 1e6);
    std::printf("  family        %s (%s)\n", c.family.c_str(), c.architecture.c_str());
    std::printf("  layers        %lld\n", static_cast<long long>(c.numLayers));
    std::printf("  hidden        %lld, FFN %lld\n", static_cast<long long>(c.hiddenSize),
                static_cast<long long>(c.intermediateSize));
    std::printf("  heads         %lld query, %lld key/value, head_dim %lld\n",
                static_cast<long long>(c.numHeads), static_cast<long long>(c.numKvHeads),
                static_cast<long long>(c.headDim));
    std::printf("  vocabulary    %lld (%s embeddings)\n", static_cast<long long>(c.vocabSize),
                c.tieWordEmbeddings ? "tied" : "untied");
    std::printf("  rope          theta %g, scaling %s\n", c.ropeTheta, ropeText(c).c_str());
    std::printf("  parameters    %.2f M (%s)\n", s.totalParams / 1e6, s.storedDtype.c_str());
    int64_t attnParams = 0, mlpParams = 0;  // of a block that has the sublayer
    std::string noAttn, noMlp;
    for (const auto& l : s.layers) {
        attnParams = std::max(attnParams, l.attnParams);
        mlpParams = std::max(mlpParams, l.mlpParams);
        if (!c.hasAttention(l.index)) noAttn += (noAttn.empty() ? "" : " ") + std::to_string(l.index);
        if (!c.hasMlp(l.index)) noMlp += (noMlp.empty() ? "" : " ") + std::to_string(l.index);
    }
    if (!s.layers.empty()) {
        std::printf("  per block     %.3f M attention + %.3f M FFN\n", attnParams / 1e6, mlpParams / 1e6);
    }
    if (!noAttn.empty()) std::printf("  no attention  blocks %s\n", noAttn.c_str());
    if (!noMlp.empty()) std::printf("  no FFN        blocks %s\n", noMlp.c_str());
    return 0;
}

}  // namespace lamina::cli
