#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/added_tokens.h"
#include "tokenizer/tokenizer.h"

namespace lamina {

class BpeModel;
class Decoder;
class Normalizer;
class PostProcessor;
class PreTokenizer;

// A Hugging Face `tokenizer.json` with a BPE model, reproducing `tokenizers`' pipeline:
// added tokens → normalizer → pre-tokenizer → BPE → post-processor; decoders for the way back.
class HfTokenizer : public Tokenizer {
public:
    // Reads `path` (and tokenizer_config.json beside it); throws `Error`.
    explicit HfTokenizer(const std::filesystem::path& path);
    // A tokenizer.json document built elsewhere (a GGUF file's vocabulary); `source` names it
    // in errors, `bos`/`eos` are its special ids.
    HfTokenizer(const nlohmann::json& doc, const std::string& source, std::string fingerprint,
                std::optional<TokenId> bos, std::optional<TokenId> eos);
    ~HfTokenizer() override;

    std::vector<TokenId> encode(std::string_view text, bool addSpecialTokens) const override;
    std::string decode(const std::vector<TokenId>& ids, bool skipSpecialTokens) const override;
    int64_t vocabSize() const override { return mVocabSize; }
    std::string idToToken(TokenId id) const override;
    std::optional<TokenId> bosId() const override { return mBos; }
    std::optional<TokenId> eosId() const override { return mEos; }
    std::string fingerprint() const override { return mFingerprint; }

private:
    void parse(const nlohmann::json& doc, const std::string& source);
    void readConfig(const std::filesystem::path& path);
    std::optional<TokenId> lookup(std::string_view token) const;
    void tokenizeNormalized(std::string text, bool atStart, std::vector<TokenId>& ids) const;

    std::unique_ptr<Normalizer> mNormalizer;
    std::unique_ptr<PreTokenizer> mPreTokenizer;
    std::unique_ptr<BpeModel> mModel;
    std::unique_ptr<PostProcessor> mPostProcessor;
    std::unique_ptr<Decoder> mDecoder;
    AddedVocabulary mAdded;
    int64_t mVocabSize = 0;
    std::optional<TokenId> mBos;
    std::optional<TokenId> mEos;
    std::string mFingerprint;
};

}  // namespace lamina
