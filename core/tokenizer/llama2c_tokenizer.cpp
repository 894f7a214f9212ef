#include "tokenizer/llama2c_tokenizer.h"

#include <cstdint>
#include <cstring>
#include <queue>

#include "common/error.h"
#include "common/fnv_hash.h"
#include "common/mapped_file.h"

namespace lamina {

namespace {

constexpr int64_t kMaxVocab = 10'000'000;
constexpr std::size_t kMaxFileBytes = 512U << 20;
constexpr float kNoMerge = -1e10F;  // run.c's initial best score: nothing at or below merges

std::string fieldName(int64_t entry, const char* what) {
    return entry < 0 ? std::string(what) : "entry " + std::to_string(entry) + " " + what;
}

// Reads native-endian fields, as run.c does; `entry` (-1 for the header) and `what` name
// the field when the file ends too early.
class Reader {
public:
    Reader(const std::string& data, const std::string& file) : mData(data), mFile(file) {}

    int32_t int32(int64_t entry, const char* what) {
        int32_t value = 0;
        std::memcpy(&value, take(sizeof(value), entry, what), sizeof(value));
        return value;
    }
    float float32(int64_t entry, const char* what) {
        float value = 0;
        std::memcpy(&value, take(sizeof(value), entry, what), sizeof(value));
        return value;
    }
    std::string bytes(std::size_t count, int64_t entry, const char* what) {
        return std::string(take(count, entry, what), count);
    }
    std::size_t offset() const { return mPos; }

private:
    const char* take(std::size_t count, int64_t entry, const char* what) {
        if (mData.size() - mPos < count) {
            throw Error(mFile + ": truncated file: " + fieldName(entry, what) + " at byte " +
                        std::to_string(mPos) + " needs " + std::to_string(count) + " bytes, " +
                        std::to_string(mData.size() - mPos) + " left");
        }
        const char* p = mData.data() + mPos;
        mPos += count;
        return p;
    }

    const std::string& mData;
    const std::string& mFile;
    std::size_t mPos = 0;
};

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// sscanf(piece, "<0x%02hhX>", &byte) == 1, for the pieces llama2.c writes.
int rawByte(std::string_view piece) {
    if (piece.size() < 4 || piece.compare(0, 3, "<0x") != 0) return -1;
    const int hi = hexDigit(piece[3]);
    if (hi < 0) return -1;
    const int lo = piece.size() > 4 ? hexDigit(piece[4]) : -1;
    return lo < 0 ? hi : hi * 16 + lo;
}

}  // namespace

Llama2cTokenizer::Llama2cTokenizer(const std::filesystem::path& path, int64_t vocabSize) {
    const std::string file = path.string();
    if (vocabSize < 3 || vocabSize > kMaxVocab) {
        throw Error(file + ": vocabulary size " + std::to_string(vocabSize) + " out of range [3, " +
                    std::to_string(kMaxVocab) + "]");
    }
    const std::string data = readTextFile(path, kMaxFileBytes);
    mFingerprint = "llama2c-tokenizer:" + fnv1aHex(data);
    Reader reader(data, file);
    const int32_t maxTokenLength = reader.int32(-1, "max_token_length");
    if (maxTokenLength < 0) {
        throw Error(file + ": field 'max_token_length': negative value " +
                    std::to_string(maxTokenLength));
    }
    // Every entry takes at least 8 bytes: refuse an impossible size before reserving for it.
    if (static_cast<uint64_t>(vocabSize) * 8 > data.size() - 4) {
        throw Error(file + ": truncated file: " + std::to_string(data.size()) +
                    " bytes cannot hold " + std::to_string(vocabSize) + " entries");
    }
    mPieces.reserve(static_cast<std::size_t>(vocabSize));
    mScores.reserve(static_cast<std::size_t>(vocabSize));
    for (int64_t i = 0; i < vocabSize; ++i) {
        mScores.push_back(reader.float32(i, "score"));
        const int32_t len = reader.int32(i, "length");
        if (len < 0) {
            throw Error(file + ": field '" + fieldName(i, "length") + "': negative value " +
                        std::to_string(len) + " at byte " + std::to_string(reader.offset() - 4));
        }
        std::string piece = reader.bytes(static_cast<std::size_t>(len), i, "text");
        // run.c handles pieces as C strings.
        piece.resize(std::strlen(piece.c_str()));
        mPieces.push_back(std::move(piece));
    }
    index();
}

Llama2cTokenizer::Llama2cTokenizer(std::vector<std::string> pieces, std::vector<float> scores,
                                   std::string fingerprint)
    : mPieces(std::move(pieces)), mScores(std::move(scores)), mFingerprint(std::move(fingerprint)) {
    if (mPieces.size() < 3 || mPieces.size() != mScores.size()) {
        throw Error(mFingerprint + ": " + std::to_string(mPieces.size()) + " pieces and " +
                    std::to_string(mScores.size()) + " scores");
    }
    index();
}

void Llama2cTokenizer::index() {
    mLookup.reserve(mPieces.size());
    for (std::size_t i = 0; i < mPieces.size(); ++i) {
        mLookup.emplace(mPieces[i], static_cast<TokenId>(i));  // duplicates: the lowest id
    }
}

std::optional<TokenId> Llama2cTokenizer::find(std::string_view piece) const {
    const auto it = mLookup.find(piece);
    if (it == mLookup.end()) return std::nullopt;
    return it->second;
}

std::vector<TokenId> Llama2cTokenizer::encode(std::string_view text, bool addSpecialTokens) const {
    std::vector<TokenId> tokens;
    tokens.reserve(text.size() + 2);
    if (addSpecialTokens) tokens.push_back(kBos);
    if (!text.empty()) {
        // The dummy prefix; a vocabulary without " " (run.c would emit -1) gets none.
        if (const auto space = find(" ")) tokens.push_back(*space);
    }
    const auto vocab = static_cast<TokenId>(mPieces.size());
    std::string buffer;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto isContinuation = [&](std::size_t at) {
            return (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80;
        };
        if (!isContinuation(i)) buffer.clear();
        buffer += text[i];
        if (i + 1 < text.size() && isContinuation(i + 1) && buffer.size() < 4) continue;
        if (const auto id = find(buffer)) {
            tokens.push_back(*id);
        } else {
            // Byte fallback: the 256 byte pieces follow <unk>, <s>, </s>.
            for (const char c : buffer) {
                const TokenId id = static_cast<unsigned char>(c) + 3;
                tokens.push_back(id < vocab ? id : kUnk);
            }
        }
        buffer.clear();
    }
    merge(tokens);
    return tokens;
}

void Llama2cTokenizer::merge(std::vector<TokenId>& tokens) const {
    struct Candidate {
        float score;
        int32_t pos;
        TokenId left;
        TokenId right;
        TokenId merged;
        // Highest score first, then leftmost: run.c's scan keeps the first strict maximum.
        bool operator<(const Candidate& other) const {
            if (score != other.score) return score < other.score;
            return pos > other.pos;
        }
    };
    const auto n = static_cast<int32_t>(tokens.size());
    std::vector<int32_t> next(tokens.size());
    std::vector<int32_t> prev(tokens.size());
    std::vector<bool> alive(tokens.size(), true);
    for (int32_t i = 0; i < n; ++i) {
        next[i] = i + 1 < n ? i + 1 : -1;
        prev[i] = i - 1;
    }
    std::priority_queue<Candidate> queue;
    std::string joined;
    const auto consider = [&](int32_t left) {
        const int32_t right = next[left];
        if (right < 0) return;
        joined = mPieces[static_cast<std::size_t>(tokens[left])];
        joined += mPieces[static_cast<std::size_t>(tokens[right])];
        const auto id = find(joined);
        if (!id) return;
        const float score = mScores[static_cast<std::size_t>(*id)];
        if (!(score > kNoMerge)) return;
        queue.push({score, left, tokens[left], tokens[right], *id});
    };
    for (int32_t i = 0; i + 1 < n; ++i) consider(i);
    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        const int32_t right = next[top.pos];
        if (!alive[top.pos] || tokens[top.pos] != top.left || right < 0 ||
            tokens[right] != top.right) {
            continue;  // stale
        }
        tokens[top.pos] = top.merged;
        alive[right] = false;
        next[top.pos] = next[right];
        if (next[right] >= 0) prev[next[right]] = top.pos;
        if (prev[top.pos] >= 0) consider(prev[top.pos]);
        consider(top.pos);
    }
    std::vector<TokenId> out;
    out.reserve(tokens.size());
    for (int32_t i = 0; i < n; ++i) {
        if (alive[i]) out.push_back(tokens[i]);
    }
    tokens = std::move(out);
}

std::string Llama2cTokenizer::decode(const std::vector<TokenId>& ids,
                                     bool skipSpecialTokens) const {
    std::string out;
    TokenId previous = -1;
    for (const TokenId id : ids) {
        if (id < 0 || static_cast<std::size_t>(id) >= mPieces.size()) continue;
        const TokenId before = previous;
        previous = id;
        if (skipSpecialTokens && (id == kUnk || id == kBos || id == kEos)) continue;
        std::string_view piece = mPieces[static_cast<std::size_t>(id)];
        // After BOS, sentencepiece drops the leading space (run.c, PR #89).
        if (before == kBos && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
        const int byte = rawByte(piece);
        if (byte >= 0) {
            out += static_cast<char>(byte);
        } else {
            out += piece;
        }
    }
    return out;
}

std::string Llama2cTokenizer::idToToken(TokenId id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= mPieces.size()) return {};
    return mPieces[static_cast<std::size_t>(id)];
}

std::unique_ptr<Tokenizer> loadLlama2cTokenizer(const std::filesystem::path& tokenizerBin,
                                                int64_t vocabSize) {
    return std::make_unique<Llama2cTokenizer>(tokenizerBin, vocabSize);
}

}  // namespace lamina
