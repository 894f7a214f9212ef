#include "pruning/export_config.h"

#include "common/error.h"
#include "common/json_field.h"
#include "model/families/nemotron_nas.h"
#include "pruning/export_tensors.h"

namespace lamina {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json ropeScalingJson(const RopeScaling& r) {
    switch (r.type) {
        case RopeScaling::Type::None:
            return nullptr;
        case RopeScaling::Type::Linear:
            return {{"rope_type", "linear"}, {"factor", r.factor}};
        case RopeScaling::Type::Llama3:
            return {{"rope_type", "llama3"},
                    {"factor", r.factor},
                    {"low_freq_factor", r.lowFreqFactor},
                    {"high_freq_factor", r.highFreqFactor},
                    {"original_max_position_embeddings", r.originalMaxPositions}};
        case RopeScaling::Type::Factors:
            throw Error("RoPE factors read from a GGUF file (rope_freqs) have no Hugging Face "
                        "rope_scaling form; export this model as gguf");
    }
    return nullptr;
}

std::string joined(const std::vector<int64_t>& v) {
    std::string s;
    for (int64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
    return s;
}

// Per-layer lists (transformers' `layer_types`) follow the kept blocks.
void subsetPerLayerLists(json& j, const ModelConfig& c, const std::vector<int64_t>& sourceLayers) {
    for (const char* key : {"layer_types"}) {
        if (!j.contains(key) || !j[key].is_array() ||
            j[key].size() != static_cast<std::size_t>(c.numLayers)) {
            continue;
        }
        json kept = json::array();
        for (int64_t s : sourceLayers) kept.push_back(j[key][static_cast<std::size_t>(s)]);
        j[key] = kept;
    }
}

json blockConfig(const Model& original, const BlockWeights& b) {
    const ModelConfig& c = original.config;
    json attention = {{"no_op", !b.hasAttention()},
                      {"replace_with_linear", false},
                      {"sparsify", nullptr},
                      {"n_heads_in_group", nullptr},
                      {"window_length", nullptr},
                      {"num_sink_tokens", nullptr},
                      {"unshifted_sink", false},
                      {"use_prefill_window_in_sink_attention", false}};
    if (b.hasAttention()) attention["n_heads_in_group"] = c.numHeads / c.numKvHeads;
    json ffn = {{"no_op", !b.hasMlp()},
                {"replace_with_linear", false},
                {"sparsify", nullptr},
                {"ffn_mult", nullptr}};
    // checkExportable ran first, so the width is expressible.
    if (b.hasMlp()) ffn["ffn_mult"] = *intermediateSizeToFfnMult(c.intermediateSize, c.hiddenSize);
    return {{"attention", attention}, {"ffn", ffn}};
}

void toDeciLm(json& j, const Model& original, const Model& pruned) {
    const ModelConfig& c = original.config;
    for (const char* key : {"layer_types", "rope_parameters", "sliding_window", "use_sliding_window",
                            "max_window_layers"}) {
        j.erase(key);
    }
    j["model_type"] = "nemotron-nas";
    j["architectures"] = {"DeciLMForCausalLM"};
    const std::string repo = kDeciLmCodeRepo;
    j["auto_map"] = {{"AutoConfig", repo + "--configuration_decilm.DeciLMConfig"},
                     {"AutoModelForCausalLM", repo + "--modeling_decilm.DeciLMForCausalLM"}};
    // Explicit, because NVIDIA's newer remote code defaults head_dim to 128.
    j["head_dim"] = c.headDim;
    j["num_attention_heads"] = c.numHeads;
    j["num_key_value_heads"] = c.numKvHeads;
    j["intermediate_size"] = c.intermediateSize;
    j["hidden_act"] = "silu";
    j["rope_theta"] = c.ropeTheta;
    j["rope_scaling"] = ropeScalingJson(c.ropeScaling);
    j["tie_word_embeddings"] = c.tieWordEmbeddings;
    j["mlp_bias"] = c.mlpBias;
    // One bias setting for every consumer: vLLM reads attention_bias (q, k, v, o) and
    // qkv_bias, NVIDIA's remote code attention_bias (q, k, v) and o_proj_bias; exportTensors
    // writes zeros for biases the source lacks.
    const bool biases = c.qkvBias || c.outputBias;
    j["attention_bias"] = biases;
    j["qkv_bias"] = biases;
    j["o_proj_bias"] = biases;
    json blocks = json::array();
    for (const BlockWeights& b : pruned.blocks) blocks.push_back(blockConfig(original, b));
    j["block_configs"] = blocks;
}

}  // namespace

const std::vector<std::string>& tokenizerFileNames() {
    static const std::vector<std::string> names = {
        "tokenizer.json",       "tokenizer_config.json", "special_tokens_map.json",
        "generation_config.json", "tokenizer.model",     "added_tokens.json",
        "vocab.json",           "merges.txt",            "chat_template.jinja",
        "chat_template.json"};
    return names;
}

json sourceConfigJson(const fs::path& source, const ModelConfig& c) {
    if (fs::is_directory(source) && fs::exists(source / "config.json")) {
        json j = readJsonFile(source / "config.json");
        if (!j.is_object()) throw Error((source / "config.json").string() + ": expected an object");
        return j;
    }
    json j = {{"architectures", {c.architecture}},
              {"model_type", c.family},
              {"vocab_size", c.vocabSize},
              {"hidden_size", c.hiddenSize},
              {"intermediate_size", c.intermediateSize},
              {"num_hidden_layers", c.numLayers},
              {"num_attention_heads", c.numHeads},
              {"num_key_value_heads", c.numKvHeads},
              {"head_dim", c.headDim},
              {"max_position_embeddings", c.maxPositions},
              {"rms_norm_eps", c.rmsNormEps},
              {"rope_theta", c.ropeTheta},
              {"rope_scaling", ropeScalingJson(c.ropeScaling)},
              {"hidden_act", "silu"},
              {"attention_bias", c.qkvBias},
              {"mlp_bias", c.mlpBias},
              {"tie_word_embeddings", c.tieWordEmbeddings},
              {"torch_dtype", "float32"}};
    if (c.bosTokenId) j["bos_token_id"] = *c.bosTokenId;
    if (c.eosTokenId) j["eos_token_id"] = *c.eosTokenId;
    return j;
}

void checkExportable(const Model& original, const Model& pruned, ExportFormat format,
                     const std::string& where) {
    const ModelConfig& c = original.config;
    if (format == ExportFormat::Hf) {
        if (c.family == "nemotron-nas") {
            throw Error(where + ": --format hf writes Llama/Mistral/Qwen2 checkpoints, but the "
                                "source is a nemotron-nas (DeciLM) model: use --format decilm");
        }
        return;
    }
    if (c.slidingWindow) {
        throw Error(where + ": --format decilm cannot express sliding-window attention "
                            "(sliding_window " + std::to_string(*c.slidingWindow) +
                    "): vLLM's and llama.cpp's DeciLM code ignore per-block windows; use --format hf");
    }
    bool anyMlp = false;
    for (const BlockWeights& b : pruned.blocks) anyMlp = anyMlp || b.hasMlp();
    if (anyMlp && !intermediateSizeToFfnMult(c.intermediateSize, c.hiddenSize)) {
        throw Error(where + ": --format decilm cannot express intermediate_size " +
                    std::to_string(c.intermediateSize) + " (hidden_size " +
                    std::to_string(c.hiddenSize) +
                    "): DeciLM block_configs give FFN widths as ffn_mult, which transformers' "
                    "remote code, vLLM and llama.cpp all turn into find_multiple(int(2*ffn_mult*"
                    "hidden_size/3), 256), a multiple of 256; use --format hf");
    }
}

std::vector<std::string> decilmConsumerNotes(const Model& original, const Model& pruned) {
    std::vector<std::string> notes;
    std::vector<int64_t> attnOnly;
    for (int64_t i = 0; i < pruned.numLayers(); ++i) {
        const BlockWeights& b = pruned.blocks[static_cast<std::size_t>(i)];
        if (b.hasAttention() && !b.hasMlp()) attnOnly.push_back(i);
    }
    if (!attnOnly.empty()) {
        notes.push_back(
            std::string("llama.cpp: ") + (attnOnly.size() == 1 ? "block " : "blocks ") +
            joined(attnOnly) +
            " keep attention but have a no_op FFN; llama.cpp's deci graph (src/models/deci.cpp, "
            "'if (n_ff == 0) continue;') then drops the attention output too, so a GGUF "
            "conversion computes a different model");
    }
    for (int64_t i = 0; i < pruned.numLayers(); ++i) {
        const BlockWeights& b = pruned.blocks[static_cast<std::size_t>(i)];
        if (b.hasAttention()) break;
        if (b.hasMlp()) {
            notes.push_back("vLLM: block " + std::to_string(i) +
                            " runs an FFN before any block has run attention; vLLM's "
                            "DeciLMDecoderLayer (model_executor/models/nemotron_nas.py) then "
                            "calls post_attention_layernorm with residual=None, which fails");
            break;
        }
    }
    const ModelConfig& c = original.config;
    if (c.headDim * c.numHeads != c.hiddenSize) {
        notes.push_back("llama.cpp: head_dim " + std::to_string(c.headDim) +
                        " is not hidden_size / num_attention_heads; convert_hf_to_gguf.py's "
                        "DeciModel assumes it is for block_configs models");
    }
    return notes;
}

json exportConfig(const json& source, const Model& original, const Model& pruned,
                  const PruningPlan& plan, ExportFormat format,
                  const fs::path& sourceDir, const std::vector<std::string>& copiedFiles,
                  bool mergesRounded) {
    const ModelConfig& c = original.config;
    std::vector<int64_t> sourceLayers = pruned.sourceLayers;
    if (sourceLayers.empty()) {
        for (int64_t i = 0; i < pruned.numLayers(); ++i) sourceLayers.push_back(i);
    }
    json j = source;
    j["num_hidden_layers"] = pruned.numLayers();
    if (format == ExportFormat::Hf) {
        subsetPerLayerLists(j, c, sourceLayers);
        if (!j.contains("architectures")) j["architectures"] = {c.architecture};
    } else {
        toDeciLm(j, original, pruned);
    }

    json lamina = {{"format", format == ExportFormat::Hf ? "hf" : "decilm"},
                   {"tool", std::string("lamina ") + LAMINA_VERSION},
                   {"source_model",
                    {{"fingerprint", plan.modelFingerprint},
                     {"family", plan.family.empty() ? c.family : plan.family},
                     {"layers", plan.layers}}},
                   {"method", plan.method.is_object() ? plan.method.value("name", "") : ""},
                   {"operations", planToJson(plan)["operations"]},
                   {"source_layers", sourceLayers},
                   {"tokenizer_files", copiedFiles}};
    if (copiedFiles.empty()) {
        lamina["tokenizer_note"] =
            fs::is_directory(sourceDir)
                ? "the source directory has no tokenizer files; add them before loading with "
                  "transformers"
                : "not copied: a llama2.c or GGUF file has no Hugging Face tokenizer files "
                  "(transformers cannot read their vocabularies); add a tokenizer before "
                  "loading with transformers";
    }
    std::vector<std::string> removed;
    for (const RemovedSublayer& r : removedSublayers(pruned)) removed.push_back(r.label());
    if (format == ExportFormat::Hf && !removed.empty()) {
        lamina["zeroed_sublayers"] = removed;
        lamina["zeroed_sublayers_note"] =
            "removed by setting their output projections (o_proj / down_proj and biases) to zero: "
            "transformers computes exactly the pruned model, but these sublayers still cost "
            "their full compute and memory. Numbers are this checkpoint's layers (source_layers "
            "maps them to the original). Export with --format decilm to drop them for real.";
    }
    if (format == ExportFormat::DeciLm) {
        lamina["removed_sublayers"] = removed;
        const std::vector<std::string> notes = decilmConsumerNotes(original, pruned);
        if (!notes.empty()) lamina["consumer_notes"] = notes;
    }
    if (mergesRounded) {
        lamina["merge_rounding"] =
            "merged blocks (rdsc / average) were computed in float32 from the upcast weights and "
            "rounded to the checkpoint's stored dtype";
    }
    j["lamina"] = lamina;
    return j;
}

}  // namespace lamina
