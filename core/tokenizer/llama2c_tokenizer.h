#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lamina {

// llama2.c's `tokenizer.bin`: pieces with merge scores; encode/decode follow run.c.
class Llama2cTokenizer : public Tokenizer {
public:
    // Reads `vocabSize` entries of `path`; throws `Error` on a truncated or inconsistent file.
    Llama2cTokenizer(const std::filesystem::path& path, int64_t vocabSize);
    /// The same algorithm over given pieces (with ' ' for SentencePiece's "▁") and scores,
    /// e.g. a GGUF file's `llama` vocabulary; `fingerprint` identifies their source.
    Llama2cTokenizer(std::vector<std::string> pieces, std::vector<float> scores,
                     std::string fingerprint);
    Llama2cTokenizer(const Llama2cTokenizer&) = delete;  // mLookup points into mPieces
    Llama2cTokenizer& operator=(const Llama2cTokenizer&) = delete;

    std::vector<TokenId> encode(std::string_view text, bool addSpecialTokens) const override;
    std::string decode(const std::vector<TokenId>& ids, bool skipSpecialTokens) const override;
    int64_t vocabSize() const override { return static_cast<int64_t>(mPieces.size()); }
    std::string idToToken(TokenId id) const override;
    std::optional<TokenId> bosId() const override { return kBos; }
    std::optional<TokenId> eosId() const override { return kEos; }
    std::string fingerprint() const override { return mFingerprint; }

    /// The merge score of `id` (0 for an id outside the vocabulary).
    float score(TokenId id) const {
        return id < 0 || static_cast<std::size_t>(id) >= mScores.size() ? 0.0F
                                                                          : mScores[static_cast<std::size_t>(id)];
    }

private:
    static constexpr TokenId kUnk = 0;
    static constexpr TokenId kBos = 1;
    static constexpr TokenId kEos = 2;

    void index();  // builds mLookup
    std::optional<TokenId> find(std::string_view piece) const;
    // run.c's repeated "merge the best-scoring adjacent pair", in O(n log n).
    void merge(std::vector<TokenId>& tokens) const;

    std::vector<std::string> mPieces;
    std::vector<float> mScores;
    std::unordered_map<std::string_view, TokenId> mLookup;  // views into mPieces
    std::string mFingerprint;
};

}  // namespace lamina
