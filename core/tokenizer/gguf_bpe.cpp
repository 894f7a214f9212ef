#include "tokenizer/gguf_bpe.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fnv_hash.h"
#include "model/gguf_file.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/hf_tokenizer.h"

namespace lamina {

using nlohmann::json;

namespace {

// The split regexes llama.cpp's pre-tokenizer names stand for (as in the models' own
// tokenizer.json); Llama 3 also takes a whole word from the vocabulary before merging.
struct PreTokenizerSpec {
    const char* regex;
    bool ignoreMerges;
};

std::optional<PreTokenizerSpec> preTokenizer(const std::string& name) {
    if (name == "llama-bpe") {
        return PreTokenizerSpec{R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
                                true};
    }
    if (name == "qwen2") {
        return PreTokenizerSpec{R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
                                false};
    }
    return std::nullopt;
}

}  // namespace

std::unique_ptr<Tokenizer> bpeTokenizerFromGguf(const GgufFile& f) {
    const std::string where = f.path().string() + ": field 'tokenizer.ggml.";
    const std::string pre = f.text("tokenizer.ggml.pre");
    const auto spec = preTokenizer(pre);
    if (!spec) {
        throw Error(where + "pre': pre-tokenizer '" + pre + "' is not known (llama-bpe, qwen2); " +
                    "pass the model's tokenizer.json with --tokenizer");
    }
    const GgufMetaValue* tokens = f.find("tokenizer.ggml.tokens");
    const GgufMetaValue* merges = f.find("tokenizer.ggml.merges");
    const GgufMetaValue* types = f.find("tokenizer.ggml.token_type");
    if (tokens == nullptr || tokens->texts.empty()) throw Error(where + "tokens': missing or empty");
    if (merges == nullptr) throw Error(where + "merges': missing");
    if (types != nullptr && types->numbers.size() != tokens->texts.size()) {
        throw Error(where + "token_type': " + std::to_string(types->numbers.size()) +
                    " entries for " + std::to_string(tokens->texts.size()) + " tokens");
    }
    json vocab = json::object();
    json added = json::array();
    std::string identity = pre;
    for (std::size_t id = 0; id < tokens->texts.size(); ++id) {
        const std::string& t = tokens->texts[id];
        vocab.emplace(t, id);  // a repeated string keeps its first id, as a JSON vocab would
        identity += t + '\0';
        const auto type = types != nullptr ? static_cast<GgufTokenType>(types->numbers[id]) : GgufTokenType::Normal;
        if (type == GgufTokenType::Control || type == GgufTokenType::UserDefined) {
            added.push_back({{"id", id}, {"content", t}, {"single_word", false}, {"lstrip", false},
                             {"rstrip", false}, {"normalized", false},
                             {"special", type == GgufTokenType::Control}});
        }
    }
    for (const std::string& m : merges->texts) identity += m + '\n';
    auto id = [&](const char* key) -> std::optional<TokenId> {
        const auto x = f.numberOr(std::string("tokenizer.ggml.") + key);
        if (!x) return std::nullopt;
        if (*x < 0 || *x >= static_cast<double>(tokens->texts.size())) {
            throw Error(where + key + "': id " + std::to_string(static_cast<int64_t>(*x)) + " outside the vocabulary");
        }
        return static_cast<TokenId>(*x);
    };
    const std::optional<TokenId> bos = id("bos_token_id"), eos = id("eos_token_id");
    json doc = {
        {"model", {{"type", "BPE"}, {"vocab", std::move(vocab)}, {"merges", merges->texts},
                   {"ignore_merges", spec->ignoreMerges}, {"byte_fallback", false}}},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers",
           json::array({{{"type", "Split"}, {"pattern", {{"Regex", spec->regex}}}, {"behavior", "Isolated"}, {"invert", false}},
                        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}})}}},
        {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}},
        {"added_tokens", std::move(added)}};
    if (bos && f.numberOr("tokenizer.ggml.add_bos_token").value_or(0) != 0) {
        const std::string name = tokens->texts[static_cast<std::size_t>(*bos)];
        doc["post_processor"] = {
            {"type", "TemplateProcessing"},
            {"single", json::array({{{"SpecialToken", {{"id", name}, {"type_id", 0}}}},
                                    {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
            {"special_tokens", {{name, {{"id", name}, {"ids", {*bos}}, {"tokens", {name}}}}}}};
    }
    return std::make_unique<HfTokenizer>(doc, f.path().string(), "gguf-bpe:" + fnv1aHex(identity), bos, eos);
}

}  // namespace lamina
