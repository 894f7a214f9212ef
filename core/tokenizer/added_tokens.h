#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lamina {

class Normalizer;

// One entry of tokenizer.json's `added_tokens`.
struct AddedToken {
    std::string content;
    TokenId id = 0;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = true;
    bool special = false;
};

// Added tokens and how they cut text before normalization (tokenizers' AddedVocabulary):
// leftmost-longest matching, honouring lstrip / rstrip / single_word.
class AddedVocabulary {
public:
    // A span of the text: an added token (`id` >= 0) or text for the model (`id` < 0).
    struct Segment {
        std::size_t begin;
        std::size_t end;
        TokenId id;
    };

    AddedVocabulary() = default;
    // `normalizer` (may be null) rewrites the patterns of tokens with `normalized` set.
    AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

    // Cuts `text` at the raw tokens (`normalizedTokens` false, on the input) or at the
    // normalized ones (true, on normalized text). Empty text gives no segments.
    std::vector<Segment> split(std::string_view text, bool normalizedTokens) const;

    bool hasNormalizedTokens() const { return !mNormalizedTrie.empty(); }
    const AddedToken* byId(TokenId id) const;
    std::optional<TokenId> idOf(std::string_view content) const;
    bool isSpecial(std::string_view content) const;
    TokenId maxId() const;

private:
    // A byte trie over token patterns; `token` indexes mTokens.
    struct TrieNode {
        std::vector<std::pair<unsigned char, int32_t>> children;
        int32_t token = -1;
    };
    using Trie = std::vector<TrieNode>;

    static void insert(Trie& trie, std::string_view pattern, int32_t token);
    // Index of the longest token starting at `pos` and its length, or -1.
    static std::pair<int32_t, std::size_t> longestAt(const Trie& trie, std::string_view text,
                                                     std::size_t pos);

    std::vector<AddedToken> mTokens;
    Trie mRawTrie;
    Trie mNormalizedTrie;
    std::unordered_map<TokenId, std::size_t> mById;
    std::unordered_map<std::string, TokenId> mByContent;
    std::unordered_set<std::string> mSpecialContents;
};

}  // namespace lamina
