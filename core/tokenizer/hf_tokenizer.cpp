#include "tokenizer/hf_tokenizer.h"

#include <algorithm>
#include <system_error>
#include <utility>

#include "common/fnv_hash.h"
#include "common/json_field.h"
#include "common/mapped_file.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/decoders.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/post_processors.h"
#include "tokenizer/pre_tokenizers.h"
#include "tokenizer/utf8.h"

namespace lamina {

namespace {

constexpr std::size_t kMaxAddedTokens = 1'000'000;
constexpr std::size_t kMaxConfigBytes = 16U << 20;

std::vector<AddedToken> readAddedTokens(const JsonField& list, const BpeModel& model) {
    const std::size_t count = list.arraySize();
    if (count > kMaxAddedTokens)
        list.fail("more than " + std::to_string(kMaxAddedTokens) + " entries");
    const int64_t idBound = model.idLimit() + static_cast<int64_t>(count) + 65536;
    std::vector<AddedToken> tokens;
    tokens.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const JsonField entry = list.at(i);
        AddedToken token;
        token.content = entry["content"].string();
        const JsonField idField = entry["id"];
        const int64_t id = idField.integer();
        if (id < 0 || id >= idBound) idField.fail("id " + std::to_string(id) + " out of range");
        // tokenizers gives a token that the model already knows the model's id.
        const auto modelId = model.tokenToId(token.content);
        token.id = modelId ? *modelId : static_cast<TokenId>(id);
        token.singleWord = entry.boolean("single_word", false);
        token.lstrip = entry.boolean("lstrip", false);
        token.rstrip = entry.boolean("rstrip", false);
        token.normalized = entry.boolean("normalized", true);
        token.special = entry.boolean("special", false);
        tokens.push_back(std::move(token));
    }
    return tokens;
}

// tokenizer_config.json spells a token as "name" or {"content": "name", ...}.
std::optional<std::string> configTokenName(const JsonField& config, const char* key) {
    const auto field = config.optional(key);
    if (!field) return std::nullopt;
    if (field->value().is_object()) return (*field)["content"].string();
    return field->string();
}

}  // namespace

HfTokenizer::HfTokenizer(const std::filesystem::path& path) {
    const std::string file = path.string();
    const std::string text = readTextFile(path);
    mFingerprint = "hf-tokenizer:" + fnv1aHex(text);
    parse(parseJson(text, file), file);
    readConfig(path.parent_path() / "tokenizer_config.json");
    if (!mBos && mPostProcessor) mBos = mPostProcessor->leadingSpecialId();
}

HfTokenizer::HfTokenizer(const nlohmann::json& doc, const std::string& source, std::string fingerprint,
                         std::optional<TokenId> bos, std::optional<TokenId> eos)
    : mBos(bos), mEos(eos), mFingerprint(std::move(fingerprint)) {
    parse(doc, source);
}

void HfTokenizer::parse(const nlohmann::json& doc, const std::string& file) {
    const JsonField root(doc, file, "");
    root.requireObject();

    const JsonField model = root["model"];
    model.requireObject();
    if (model.has("type")) {
        const JsonField type = model["type"];
        if (type.string() != "BPE") type.unsupported();
    } else if (!model.has("merges")) {
        model.fail("not a BPE model (no 'type' and no 'merges')");
    }
    mModel = std::make_unique<BpeModel>(model);

    if (const auto field = root.optional("normalizer")) mNormalizer = parseNormalizer(*field);
    if (const auto field = root.optional("pre_tokenizer")) {
        mPreTokenizer = parsePreTokenizer(*field);
    }
    if (const auto field = root.optional("decoder")) mDecoder = parseDecoder(*field);
    if (const auto field = root.optional("added_tokens")) {
        mAdded = AddedVocabulary(readAddedTokens(*field, *mModel), mNormalizer.get());
    }
    mVocabSize = std::max<int64_t>(mModel->idLimit(), int64_t{mAdded.maxId()} + 1);
    if (const auto field = root.optional("post_processor")) {
        mPostProcessor = parsePostProcessor(*field, mVocabSize);
    }
    // truncation and padding are batch settings of the Python API; they are ignored here.
}

HfTokenizer::~HfTokenizer() = default;

void HfTokenizer::readConfig(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return;
    const std::string file = path.string();
    const nlohmann::json doc = parseJson(readTextFile(path, kMaxConfigBytes), file);
    const JsonField root(doc, file, "");
    root.requireObject();
    // A name the vocabulary does not know leaves the id unset rather than failing the load.
    if (const auto name = configTokenName(root, "bos_token")) mBos = lookup(*name);
    if (const auto name = configTokenName(root, "eos_token")) mEos = lookup(*name);
}

std::optional<TokenId> HfTokenizer::lookup(std::string_view token) const {
    if (const auto id = mAdded.idOf(token)) return id;
    return mModel->tokenToId(token);
}

std::vector<TokenId> HfTokenizer::encode(std::string_view text, bool addSpecialTokens) const {
    // tokenizers takes &str: replace ill-formed UTF-8 the way Rust's from_utf8_lossy does.
    std::string repaired;
    if (!utf8::isValid(text)) {
        repaired = utf8::lossy(text);
        text = repaired;
    }
    std::vector<TokenId> ids;
    for (const auto& segment : mAdded.split(text, false)) {
        if (segment.id >= 0) {
            ids.push_back(segment.id);
            continue;
        }
        std::string normalized(text.substr(segment.begin, segment.end - segment.begin));
        if (mNormalizer) mNormalizer->normalize(normalized);
        const bool atStart = segment.begin == 0;
        if (!mAdded.hasNormalizedTokens()) {
            tokenizeNormalized(std::move(normalized), atStart, ids);
            continue;
        }
        for (const auto& inner : mAdded.split(normalized, true)) {
            if (inner.id >= 0) {
                ids.push_back(inner.id);
            } else {
                tokenizeNormalized(normalized.substr(inner.begin, inner.end - inner.begin),
                                   atStart && inner.begin == 0, ids);
            }
        }
    }
    if (mPostProcessor) mPostProcessor->process(ids, addSpecialTokens);
    return ids;
}

void HfTokenizer::tokenizeNormalized(std::string text, bool atStart,
                                     std::vector<TokenId>& ids) const {
    if (text.empty()) return;
    if (!mPreTokenizer) {
        mModel->tokenize(text, ids);
        return;
    }
    std::vector<PreToken> pieces;
    pieces.push_back({std::move(text), atStart});
    mPreTokenizer->preTokenize(pieces);
    for (const PreToken& piece : pieces) mModel->tokenize(piece.text, ids);
}

std::string HfTokenizer::decode(const std::vector<TokenId>& ids, bool skipSpecialTokens) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const TokenId id : ids) {
        std::string_view token;
        if (const AddedToken* added = mAdded.byId(id)) {
            token = added->content;
        } else {
            token = mModel->idToToken(id);
            if (token.empty()) continue;  // unknown id
        }
        if (skipSpecialTokens && mAdded.isSpecial(token)) continue;
        tokens.emplace_back(token);
    }
    std::string out;
    if (mDecoder) {
        mDecoder->decodeChain(tokens);
        for (const std::string& token : tokens) out += token;
        return out;
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0) out += ' ';
        out += tokens[i];
    }
    return out;
}

std::string HfTokenizer::idToToken(TokenId id) const {
    if (const AddedToken* added = mAdded.byId(id)) return added->content;
    return std::string(mModel->idToToken(id));
}

std::unique_ptr<Tokenizer> loadHfTokenizer(const std::filesystem::path& tokenizerJson) {
    return std::make_unique<HfTokenizer>(tokenizerJson);
}

}  // namespace lamina
