#include "tokenizer/gguf_vocab.h"

#include <set>

#include "common/error.h"
#include "common/fnv_hash.h"
#include "common/json_field.h"
#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "tokenizer/gguf_bpe.h"
#include "tokenizer/llama2c_tokenizer.h"
#include "tokenizer/tokenizer_for_model.h"

namespace lamina {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kSpace = "\xE2\x96\x81";  // "▁", SentencePiece's word boundary

bool isByteToken(const std::string& t) {
    return t.size() == 6 && t.rfind("<0x", 0) == 0 && t.back() == '>';
}

bool mentions(const json& j, const std::string& type) {
    if (j.is_object()) {
        if (j.value("type", "") == type) return true;
        for (const auto& [key, value] : j.items()) {
            if (mentions(value, type)) return true;
        }
    } else if (j.is_array()) {
        for (const auto& value : j) {
            if (mentions(value, type)) return true;
        }
    }
    return false;
}

// llama.cpp names byte-level pre-tokenizers by their split regex.
std::string preTokenizerName(const json& pre) {
    const std::string text = pre.dump();
    if (text.find(R"(\\p{N}{1,3})") != std::string::npos) return "llama-bpe";
    if (text.find(R"([^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|)") != std::string::npos) return "qwen2";
    return "gpt-2";
}

void padTo(GgufVocab& v, int64_t vocabSize) {
    for (auto id = static_cast<int64_t>(v.tokens.size()); id < vocabSize; ++id) {
        v.tokens.push_back("[PAD" + std::to_string(id) + "]");
        v.types.push_back(static_cast<int32_t>(GgufTokenType::Unused));
        if (v.model == "llama") v.scores.push_back(-1000.0F);
    }
}

void specialsFrom(const Tokenizer& tok, GgufVocab& v) {
    if (const auto bos = tok.bosId()) v.bos = *bos;
    if (const auto eos = tok.eosId()) v.eos = *eos;
    // Whether encoding adds BOS / EOS: compare with and without special tokens.
    const std::vector<TokenId> plain = tok.encode("a", false), full = tok.encode("a", true);
    v.addBos = full.size() > plain.size() && v.bos && full.front() == *v.bos;
    v.addEos = full.size() > plain.size() && v.eos && full.back() == *v.eos;
}

GgufVocab fromTokenizerJson(const fs::path& file, int64_t vocabSize) {
    const json j = readJsonFile(file);
    const std::string where = file.string();
    const json& model = j.contains("model") ? j["model"] : json();
    if (model.value("type", "") != "BPE") {
        throw Error(where + ": field 'model.type': GGUF export handles BPE tokenizers, this is '" +
                    model.value("type", "?") + "'");
    }
    const auto tok = loadHfTokenizer(file);
    if (tok->vocabSize() > vocabSize) {
        throw Error(where + ": the tokenizer has " + std::to_string(tok->vocabSize()) +
                    " tokens, the embedding only " + std::to_string(vocabSize));
    }
    GgufVocab v;
    const bool byteLevel = mentions(j.value("pre_tokenizer", json()), "ByteLevel") ||
                           mentions(j.value("decoder", json()), "ByteLevel");
    v.model = byteLevel ? "gpt2" : "llama";
    std::set<int64_t> special, added;
    for (const json& a : j.value("added_tokens", json::array())) {
        (a.value("special", false) ? special : added).insert(a.value("id", int64_t{-1}));
    }
    for (int64_t id = 0; id < tok->vocabSize(); ++id) {
        const std::string t = tok->idToToken(static_cast<TokenId>(id));
        GgufTokenType type = GgufTokenType::Normal;
        if (special.count(id) != 0) {
            type = GgufTokenType::Control;
        } else if (added.count(id) != 0) {
            type = GgufTokenType::UserDefined;
        } else if (!byteLevel && isByteToken(t)) {
            type = GgufTokenType::Byte;
        }
        v.tokens.push_back(t.empty() ? "[PAD" + std::to_string(id) + "]" : t);
        v.types.push_back(static_cast<int32_t>(t.empty() ? GgufTokenType::Unused : type));
        // SentencePiece BPE merges by score; Llama 2's pieces are ranked by id.
        if (!byteLevel) v.scores.push_back(-static_cast<float>(id));
    }
    if (byteLevel) {
        v.pre = preTokenizerName(j.value("pre_tokenizer", json()));
        for (const json& m : model.value("merges", json::array())) {
            v.merges.push_back(m.is_array() ? m.at(0).get<std::string>() + " " +
                                                  m.at(1).get<std::string>()
                                            : m.get<std::string>());
        }
    } else if (const auto unk = model.find("unk_token"); unk != model.end() && unk->is_string()) {
        for (int64_t id = 0; id < tok->vocabSize(); ++id) {
            if (v.tokens[static_cast<std::size_t>(id)] == unk->get<std::string>()) {
                v.unk = static_cast<int32_t>(id);
                break;
            }
        }
    }
    specialsFrom(*tok, v);
    padTo(v, vocabSize);
    return v;
}

GgufVocab fromLlama2c(const fs::path& file, int64_t vocabSize) {
    const Llama2cTokenizer tok(file, vocabSize);
    GgufVocab v;
    v.model = "llama";
    for (int64_t id = 0; id < vocabSize; ++id) {
        std::string t = tok.idToToken(static_cast<TokenId>(id));
        GgufTokenType type = isByteToken(t) ? GgufTokenType::Byte : GgufTokenType::Normal;
        if (id <= 2) {  // llama2.c writes "<unk>", "\n<s>\n", "\n</s>\n"
            t = id == 0 ? "<unk>" : id == 1 ? "<s>" : "</s>";
            type = id == 0 ? GgufTokenType::Unknown : GgufTokenType::Control;
        }
        std::string piece;
        for (const char c : t) piece += c == ' ' ? std::string(kSpace) : std::string(1, c);
        v.tokens.push_back(piece);
        v.types.push_back(static_cast<int32_t>(type));
        v.scores.push_back(tok.score(static_cast<TokenId>(id)));
    }
    v.unk = 0;
    specialsFrom(tok, v);
    return v;
}

constexpr float kNeverMerged = -1e30F;  // below llama2.c's "no merge" score

}  // namespace

std::unique_ptr<Tokenizer> tokenizerFromGguf(const fs::path& path) {
    const auto file = GgufFile::open(path);
    const std::string where = path.string() + ": field 'tokenizer.ggml.";
    const std::string model = file->text("tokenizer.ggml.model");
    if (model == "gpt2") return bpeTokenizerFromGguf(*file);
    if (model != "llama") {
        throw Error(where + "model': '" + model + "' vocabularies are not read from GGUF files " +
                    "(only 'llama' and 'gpt2'); pass the model's tokenizer.json with --tokenizer");
    }
    const GgufMetaValue* tokens = file->find("tokenizer.ggml.tokens");
    const GgufMetaValue* scores = file->find("tokenizer.ggml.scores");
    const GgufMetaValue* types = file->find("tokenizer.ggml.token_type");
    if (tokens == nullptr || scores == nullptr || tokens->texts.size() != scores->numbers.size() ||
        tokens->texts.size() < 259 || tokens->texts[3] != "<0x00>") {
        throw Error(where + "tokens': expected tokens and scores of one length, bytes from id 3");
    }
    for (const char* key : {"bos_token_id", "eos_token_id"}) {
        const auto id = file->numberOr(std::string("tokenizer.ggml.") + key);
        if (id && *id != (key[0] == 'b' ? 1 : 2)) throw Error(where + key + "': only 1 (BOS) / 2 (EOS)");
    }
    std::vector<std::string> pieces;
    std::vector<float> merged;
    for (std::size_t i = 0; i < tokens->texts.size(); ++i) {
        std::string piece;
        const std::string& t = tokens->texts[i];
        for (std::size_t k = 0; k < t.size(); ++k) {
            if (t.compare(k, 3, kSpace) == 0) {
                piece += ' ';
                k += 2;
            } else {
                piece += t[k];
            }
        }
        pieces.push_back(std::move(piece));
        const auto type = types != nullptr && i < types->numbers.size()
                              ? static_cast<GgufTokenType>(types->numbers[i])
                              : GgufTokenType::Normal;
        // Control and unknown tokens are never produced by merging text, as in SentencePiece.
        const bool special = type == GgufTokenType::Control || type == GgufTokenType::Unknown;
        merged.push_back(special ? kNeverMerged : static_cast<float>(scores->numbers[i]));
    }
    std::string identity;
    for (std::size_t i = 0; i < pieces.size(); ++i) identity += pieces[i] + '\0' + std::to_string(merged[i]) + '\0';
    return std::make_unique<Llama2cTokenizer>(std::move(pieces), std::move(merged),
                                              "gguf-tokenizer:" + fnv1aHex(identity));
}

namespace {

// A GGUF source's own tokenizer.ggml.* values, carried over unchanged.
GgufVocab fromGgufFile(const fs::path& path) {
    const auto f = GgufFile::open(path);
    GgufVocab v;
    v.model = f->text("tokenizer.ggml.model");
    if (v.model.empty()) v.model = "no_vocab";
    v.pre = f->text("tokenizer.ggml.pre");
    auto texts = [&](const char* key) {
        const GgufMetaValue* m = f->find(std::string("tokenizer.ggml.") + key);
        return m == nullptr ? std::vector<std::string>() : m->texts;
    };
    auto numbers = [&](const char* key) {
        const GgufMetaValue* m = f->find(std::string("tokenizer.ggml.") + key);
        return m == nullptr ? std::vector<double>() : m->numbers;
    };
    v.tokens = texts("tokens");
    v.merges = texts("merges");
    for (const double x : numbers("scores")) v.scores.push_back(static_cast<float>(x));
    for (const double x : numbers("token_type")) v.types.push_back(static_cast<int32_t>(x));
    auto id = [&](const char* key) -> std::optional<int32_t> {
        const auto x = f->numberOr(std::string("tokenizer.ggml.") + key);
        return x ? std::optional<int32_t>(static_cast<int32_t>(*x)) : std::nullopt;
    };
    v.bos = id("bos_token_id");
    v.eos = id("eos_token_id");
    v.unk = id("unknown_token_id");
    v.addBos = f->numberOr("tokenizer.ggml.add_bos_token").value_or(0) != 0;
    v.addEos = f->numberOr("tokenizer.ggml.add_eos_token").value_or(0) != 0;
    return v;
}

}  // namespace

void writeVocabulary(GgufWriter& w, const GgufVocab& v) {
    w.set("tokenizer.ggml.model", v.model);
    if (v.model == "no_vocab") return;
    if (!v.pre.empty()) w.set("tokenizer.ggml.pre", v.pre);
    w.set("tokenizer.ggml.tokens", v.tokens);
    if (!v.scores.empty()) w.set("tokenizer.ggml.scores", v.scores);
    w.set("tokenizer.ggml.token_type", v.types);
    if (!v.merges.empty()) w.set("tokenizer.ggml.merges", v.merges);
    if (v.bos) w.set("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(*v.bos));
    if (v.eos) w.set("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(*v.eos));
    if (v.unk) w.set("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(*v.unk));
    w.set("tokenizer.ggml.add_bos_token", v.addBos);
    w.set("tokenizer.ggml.add_eos_token", v.addEos);
}

GgufVocab ggufVocabulary(const fs::path& modelPath, int64_t vocabSize) {
    if (!fs::is_directory(modelPath) && probeGguf(modelPath)) return fromGgufFile(modelPath);
    const auto file = tokenizerFileForModel(modelPath, vocabSize);
    if (!file) {
        GgufVocab v;
        v.model = "no_vocab";
        return v;
    }
    return file->extension() == ".json" ? fromTokenizerJson(*file, vocabSize)
                                        : fromLlama2c(*file, vocabSize);
}

}  // namespace lamina
