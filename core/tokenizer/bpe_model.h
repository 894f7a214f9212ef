#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/merge_table.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_index.h"

namespace lamina {

class JsonField;

// The BPE `model` of tokenizer.json: vocabulary, ranked merges, byte fallback, unknown
// token. Thread-safe; words are cached.
class BpeModel {
public:
    // Reads the `model` object; throws `Error` naming the file and field.
    explicit BpeModel(const JsonField& model);

    // Appends the ids of one pre-token.
    void tokenize(std::string_view word, std::vector<TokenId>& out) const;

    std::optional<TokenId> tokenToId(std::string_view token) const;
    // The token's string, empty when the id is unknown.
    std::string_view idToToken(TokenId id) const;
    // One more than the largest id.
    int64_t idLimit() const { return static_cast<int64_t>(mIdToToken.size()); }

private:
    using Merge = MergeTable::Merge;

    void readVocab(const JsonField& vocab);
    void readMerges(const JsonField& merges);
    void mergeWord(std::string_view word, std::vector<TokenId>& out) const;
    void initialSymbols(std::string_view word, std::vector<TokenId>& ids) const;
    void mergeRun(const TokenId* ids, std::size_t count, std::vector<TokenId>& out) const;
    bool inSomeMerge(TokenId id) const;
    const Merge* findMerge(TokenId left, TokenId right) const { return mMerges.find(left, right); }

    VocabIndex mVocab;
    std::vector<std::string_view> mIdToToken;  // views into mVocab's keys
    MergeTable mMerges;
    std::vector<bool> mInMerge;           // by id: appears on either side of some merge
    std::array<TokenId, 256> mByteIds{};  // ids of <0xNN>, -1 when absent
    std::optional<TokenId> mUnkId;
    std::optional<std::string> mPrefix;  // continuing_subword_prefix
    std::optional<std::string> mSuffix;  // end_of_word_suffix
    bool mFuseUnk = false;
    bool mByteFallback = false;
    bool mIgnoreMerges = false;

    mutable std::shared_mutex mCacheMutex;
    mutable std::unordered_map<std::string, std::vector<TokenId>> mCache;
};

}  // namespace lamina
