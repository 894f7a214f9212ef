#include "tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <mutex>

#include "common/json_field.h"
#include "tokenizer/utf8.h"

namespace lamina {

namespace {

constexpr std::size_t kMaxEntries = 10'000'000;
constexpr std::size_t kCacheCapacity = 10'000;  // as tokenizers: stop adding when full
constexpr std::size_t kMaxCachedWordBytes = 256;

}  // namespace

BpeModel::BpeModel(const JsonField& model) {
    mByteIds.fill(-1);
    if (const auto dropout = model.optional("dropout")) {
        if (!dropout->value().is_number() || dropout->value().get<double>() != 0.0) {
            dropout->fail("BPE dropout is not supported");
        }
    }
    readVocab(model["vocab"]);
    if (const auto prefix = model.optional("continuing_subword_prefix")) mPrefix = prefix->string();
    if (const auto suffix = model.optional("end_of_word_suffix")) mSuffix = suffix->string();
    readMerges(model["merges"]);
    mFuseUnk = model.boolean("fuse_unk", false);
    mByteFallback = model.boolean("byte_fallback", false);
    mIgnoreMerges = model.boolean("ignore_merges", false);
    if (const auto unk = model.optional("unk_token")) {
        mUnkId = tokenToId(unk->string());
        if (!mUnkId) unk->fail("token '" + unk->string() + "' is not in the vocabulary");
    }
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        if (const auto id = tokenToId(name)) mByteIds[b] = *id;
    }
}

void BpeModel::readVocab(const JsonField& vocab) {
    vocab.requireObject();
    const std::size_t count = vocab.value().size();
    if (count > kMaxEntries) vocab.fail("more than " + std::to_string(kMaxEntries) + " entries");
    const int64_t idBound = 2 * static_cast<int64_t>(count) + 65536;
    mVocab.reserve(count);
    int64_t limit = 0;
    for (const auto& item : vocab.value().items()) {
        const std::string& key = item.key();
        const nlohmann::json& value = item.value();
        if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
            value.get<int64_t>() >= idBound) {
            vocab.fail("id of '" + key + "' must be an integer in [0, " + std::to_string(idBound) +
                       ")");
        }
        const auto id = static_cast<TokenId>(value.get<int64_t>());
        mVocab.insert(key, id);
        limit = std::max<int64_t>(limit, id + 1);
    }
    mIdToToken.assign(static_cast<std::size_t>(limit), std::string_view());
    mVocab.forEach([this](std::string_view token, TokenId id) {
        mIdToToken[static_cast<std::size_t>(id)] = token;
    });
}

void BpeModel::readMerges(const JsonField& merges) {
    const std::size_t count = merges.arraySize();
    if (count > kMaxEntries) merges.fail("more than " + std::to_string(kMaxEntries) + " entries");
    mMerges.reserve(count);
    const std::size_t prefixLen = mPrefix ? mPrefix->size() : 0;
    std::string joined;
    mInMerge.assign(mIdToToken.size(), false);
    for (std::size_t rank = 0; rank < count; ++rank) {
        const nlohmann::json& item = merges.value()[rank];
        std::string_view left;
        std::string_view right;
        if (item.is_string()) {
            const auto& text = item.get_ref<const std::string&>();
            const std::size_t space = text.find(' ');
            if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
                merges.at(rank).fail("expected two tokens separated by one space");
            }
            left = std::string_view(text).substr(0, space);
            right = std::string_view(text).substr(space + 1);
        } else if (item.is_array() && item.size() == 2 && item[0].is_string() &&
                   item[1].is_string()) {
            left = item[0].get_ref<const std::string&>();
            right = item[1].get_ref<const std::string&>();
        } else {
            merges.at(rank).fail("expected \"a b\" or [\"a\", \"b\"]");
        }
        // tokenizers refuses merges whose parts or result are not in the vocabulary; so do we.
        const auto leftId = tokenToId(left);
        const auto rightId = tokenToId(right);
        if (!leftId || !rightId) {
            merges.at(rank).fail("token '" + std::string(!leftId ? left : right) +
                                 "' is not in the vocabulary");
        }
        if (right.size() < prefixLen) merges.at(rank).fail("token shorter than the prefix");
        joined.assign(left);
        joined.append(right.substr(prefixLen));
        const auto newId = tokenToId(joined);
        if (!newId) merges.at(rank).fail("merged token '" + joined + "' is not in the vocabulary");
        // A repeated pair keeps its last rank, as tokenizers' HashMap collect does.
        mMerges.insert(*leftId, *rightId, {static_cast<int32_t>(rank), *newId});
        mInMerge[static_cast<std::size_t>(*leftId)] = true;
        mInMerge[static_cast<std::size_t>(*rightId)] = true;
    }
}

std::optional<TokenId> BpeModel::tokenToId(std::string_view token) const {
    return mVocab.find(token);
}

std::string_view BpeModel::idToToken(TokenId id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= mIdToToken.size()) return {};
    return mIdToToken[static_cast<std::size_t>(id)];
}

void BpeModel::tokenize(std::string_view word, std::vector<TokenId>& out) const {
    if (word.empty()) return;
    if (mIgnoreMerges) {
        if (const auto id = tokenToId(word)) {
            out.push_back(*id);
            return;
        }
    }
    const bool cacheable = word.size() < kMaxCachedWordBytes;
    if (cacheable) {
        std::shared_lock lock(mCacheMutex);
        const auto it = mCache.find(std::string(word));
        if (it != mCache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const std::size_t first = out.size();
    mergeWord(word, out);
    if (cacheable) {
        std::unique_lock lock(mCacheMutex);
        if (mCache.size() < kCacheCapacity) {
            mCache.emplace(
                std::string(word),
                std::vector<TokenId>(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()));
        }
    }
}

// tokenizers' BPE::merge_word: the word's initial symbols.
void BpeModel::initialSymbols(std::string_view word, std::vector<TokenId>& ids) const {
    std::optional<TokenId> pendingUnk;  // fuse_unk glues consecutive unknowns into one
    std::string scratch;
    std::size_t pos = 0;
    while (pos < word.size()) {
        const std::size_t begin = pos;
        pos = std::min(word.size(),
                       pos + utf8::sequenceLength(static_cast<unsigned char>(word[pos])));
        std::string_view piece = word.substr(begin, pos - begin);
        if ((mPrefix && begin != 0) || (mSuffix && pos == word.size())) {
            scratch.clear();
            if (mPrefix && begin != 0) scratch += *mPrefix;
            scratch += piece;
            if (mSuffix && pos == word.size()) scratch += *mSuffix;
            piece = scratch;
        }
        if (const auto id = tokenToId(piece)) {
            if (pendingUnk) ids.push_back(*pendingUnk);
            pendingUnk.reset();
            ids.push_back(*id);
            continue;
        }
        if (mByteFallback) {
            bool all = true;
            for (const char c : piece) all = all && mByteIds[static_cast<unsigned char>(c)] >= 0;
            if (all) {
                for (const char c : piece) ids.push_back(mByteIds[static_cast<unsigned char>(c)]);
                continue;
            }
        }
        if (mUnkId) {
            if (pendingUnk && !mFuseUnk) ids.push_back(*pendingUnk);
            pendingUnk = mUnkId;
        }
    }
    if (pendingUnk) ids.push_back(*pendingUnk);
}

void BpeModel::mergeWord(std::string_view word, std::vector<TokenId>& out) const {
    std::vector<TokenId> ids;
    ids.reserve(word.size());
    initialSymbols(word, ids);
    // A symbol that takes part in no merge never changes and nothing merges across it, so
    // the runs between such barriers merge independently (small heaps: much faster on the
    // long pre-tokens of tokenizers without a pre-tokenizer).
    std::size_t begin = 0;
    while (begin < ids.size()) {
        std::size_t end = begin;
        while (end < ids.size() && inSomeMerge(ids[end])) ++end;
        mergeRun(ids.data() + begin, end - begin, out);
        if (end < ids.size()) out.push_back(ids[end]);
        begin = end + 1;
    }
}

// Word::merge_all on one run: repeatedly apply the lowest-ranked (then leftmost) merge.
void BpeModel::mergeRun(const TokenId* ids, std::size_t count, std::vector<TokenId>& out) const {
    if (count < 2) {
        out.insert(out.end(), ids, ids + count);
        return;
    }
    struct Symbol {
        TokenId id;
        int32_t prev;
        int32_t next;
        bool alive;
    };
    std::vector<Symbol> symbols(count);
    for (std::size_t i = 0; i < count; ++i) {
        symbols[i] = {ids[i], static_cast<int32_t>(i) - 1,
                      i + 1 < count ? static_cast<int32_t>(i + 1) : -1, true};
    }
    // Min-heap keyed by (rank << 32 | position): lowest rank first, then leftmost.
    std::vector<uint64_t> heap;
    heap.reserve(count);
    const auto push = [&](int32_t pos, int32_t rank) {
        heap.push_back((static_cast<uint64_t>(rank) << 32) | static_cast<uint32_t>(pos));
        std::push_heap(heap.begin(), heap.end(), std::greater<>());
    };
    for (std::size_t i = 0; i + 1 < count; ++i) {
        if (const Merge* m = findMerge(ids[i], ids[i + 1])) {
            heap.push_back((static_cast<uint64_t>(m->rank) << 32) | i);
        }
    }
    std::make_heap(heap.begin(), heap.end(), std::greater<>());
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<>());
        const uint64_t top = heap.back();
        heap.pop_back();
        const auto pos = static_cast<int32_t>(top & 0xFFFFFFFFU);
        const auto rank = static_cast<int32_t>(top >> 32);
        Symbol& current = symbols[static_cast<std::size_t>(pos)];
        if (!current.alive || current.next < 0) continue;
        Symbol& right = symbols[static_cast<std::size_t>(current.next)];
        const Merge* m = findMerge(current.id, right.id);
        if (m == nullptr || m->rank != rank) continue;  // stale entry
        current.id = m->newId;
        current.next = right.next;
        right.alive = false;
        if (current.next >= 0) symbols[static_cast<std::size_t>(current.next)].prev = pos;
        if (current.prev >= 0) {
            if (const Merge* left =
                    findMerge(symbols[static_cast<std::size_t>(current.prev)].id, current.id)) {
                push(current.prev, left->rank);
            }
        }
        if (current.next >= 0) {
            if (const Merge* next =
                    findMerge(current.id, symbols[static_cast<std::size_t>(current.next)].id)) {
                push(pos, next->rank);
            }
        }
    }
    for (const Symbol& s : symbols) {
        if (s.alive) out.push_back(s.id);
    }
}

bool BpeModel::inSomeMerge(TokenId id) const {
    return id >= 0 && static_cast<std::size_t>(id) < mInMerge.size() &&
           mInMerge[static_cast<std::size_t>(id)];
}

}  // namespace lamina
