#include "tokenizer/added_tokens.h"

#include <algorithm>

#include "tokenizer/normalizers.h"
#include "tokenizer/utf8.h"

namespace lamina {

namespace {

char32_t lastChar(std::string_view text) {
    std::size_t start = text.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    return utf8::next(text, start);
}

// Byte offset where the whitespace ending `text` begins.
std::size_t trailingSpaceStart(std::string_view text) {
    std::size_t end = text.size();
    while (end > 0) {
        std::size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        std::size_t pos = start;
        if (!utf8::isWhitespace(utf8::next(text, pos))) break;
        end = start;
    }
    return end;
}

std::size_t leadingSpaceLength(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t next = pos;
        if (!utf8::isWhitespace(utf8::next(text, next))) break;
        pos = next;
    }
    return pos;
}

}  // namespace

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer) {
    for (AddedToken& token : tokens) {
        if (mByContent.count(token.content) != 0) continue;  // the first definition wins
        const auto index = static_cast<int32_t>(mTokens.size());
        mByContent.emplace(token.content, token.id);
        mById.emplace(token.id, mTokens.size());
        if (token.special) mSpecialContents.insert(token.content);
        if (!token.content.empty()) {
            if (token.normalized) {
                std::string pattern = token.content;
                if (normalizer != nullptr) normalizer->normalize(pattern);
                if (!pattern.empty()) insert(mNormalizedTrie, pattern, index);
            } else {
                insert(mRawTrie, token.content, index);
            }
        }
        mTokens.push_back(std::move(token));
    }
}

void AddedVocabulary::insert(Trie& trie, std::string_view pattern, int32_t token) {
    if (trie.empty()) trie.emplace_back();
    std::size_t node = 0;
    for (const char c : pattern) {
        const auto byte = static_cast<unsigned char>(c);
        int32_t child = -1;
        for (const auto& [edge, target] : trie[node].children) {
            if (edge == byte) child = target;
        }
        if (child < 0) {
            child = static_cast<int32_t>(trie.size());
            trie[node].children.emplace_back(byte, child);
            trie.emplace_back();
        }
        node = static_cast<std::size_t>(child);
    }
    if (trie[node].token < 0) trie[node].token = token;
}

std::pair<int32_t, std::size_t> AddedVocabulary::longestAt(const Trie& trie, std::string_view text,
                                                           std::size_t pos) {
    std::pair<int32_t, std::size_t> best{-1, 0};
    std::size_t node = 0;
    for (std::size_t i = pos; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        int32_t child = -1;
        for (const auto& [edge, target] : trie[node].children) {
            if (edge == byte) {
                child = target;
                break;
            }
        }
        if (child < 0) break;
        node = static_cast<std::size_t>(child);
        if (trie[node].token >= 0) best = {trie[node].token, i + 1 - pos};
    }
    return best;
}

std::vector<AddedVocabulary::Segment> AddedVocabulary::split(std::string_view text,
                                                             bool normalizedTokens) const {
    std::vector<Segment> out;
    if (text.empty()) return out;
    const Trie& trie = normalizedTokens ? mNormalizedTrie : mRawTrie;
    std::size_t segmentStart = 0;
    std::size_t pos = 0;
    while (!trie.empty() && pos < text.size()) {
        const auto [index, length] = longestAt(trie, text, pos);
        if (index < 0) {
            ++pos;
            continue;
        }
        const AddedToken& token = mTokens[static_cast<std::size_t>(index)];
        std::size_t start = pos;
        std::size_t stop = pos + length;
        pos = stop;  // matching resumes after this match even when it is rejected
        if (token.singleWord) {
            const bool spaceBefore =
                start == 0 || !utf8::isWordChar(lastChar(text.substr(0, start)));
            std::size_t after = stop;
            const bool spaceAfter =
                stop == text.size() || !utf8::isWordChar(utf8::next(text, after));
            if (!spaceBefore || !spaceAfter) continue;
        }
        if (token.lstrip) start = std::max(trailingSpaceStart(text.substr(0, start)), segmentStart);
        if (token.rstrip) stop += leadingSpaceLength(text.substr(stop));
        if (segmentStart < start) out.push_back({segmentStart, start, -1});
        out.push_back({start, stop, token.id});
        segmentStart = stop;
        pos = stop;
    }
    if (segmentStart < text.size()) out.push_back({segmentStart, text.size(), -1});
    return out;
}

const AddedToken* AddedVocabulary::byId(TokenId id) const {
    const auto it = mById.find(id);
    return it == mById.end() ? nullptr : &mTokens[it->second];
}

std::optional<TokenId> AddedVocabulary::idOf(std::string_view content) const {
    const auto it = mByContent.find(std::string(content));
    if (it == mByContent.end()) return std::nullopt;
    return it->second;
}

bool AddedVocabulary::isSpecial(std::string_view content) const {
    return mSpecialContents.count(std::string(content)) != 0;
}

TokenId AddedVocabulary::maxId() const {
    TokenId best = -1;
    for (const AddedToken& token : mTokens) best = std::max(best, token.id);
    return best;
}

}  // namespace lamina
