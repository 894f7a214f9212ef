#include "tokenizer/decoders.h"

#include <utility>

#include "common/json_field.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/utf8.h"

namespace lamina {

namespace {

constexpr int kMaxDepth = 16;
constexpr const char* kReplacementChar = "\xEF\xBF\xBD";

std::vector<char32_t> codePoints(const std::string& text) {
    std::vector<char32_t> out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) out.push_back(utf8::next(text, pos));
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "<0xNN>" → NN, parsed like Rust's u8::from_str_radix(.., 16) (which takes a leading '+').
int byteToken(const std::string& token) {
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
    const int hi = hexValue(token[3]);
    const int lo = hexValue(token[4]);
    if (token[3] == '+' && lo >= 0) return lo;
    if (hi < 0 || lo < 0) return -1;
    return hi * 16 + lo;
}

class SequenceDecoder : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts)
        : mParts(std::move(parts)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (const auto& part : mParts) part->decodeChain(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> mParts;
};

class ReplaceDecoder : public Decoder {
public:
    ReplaceDecoder(Pattern pattern, std::string content)
        : mPattern(std::move(pattern)), mContent(std::move(content)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::string& token : tokens) {
            const auto matches = mPattern.findAll(token);
            if (matches.empty()) continue;
            std::string out;
            std::size_t last = 0;
            for (const auto& [begin, end] : matches) {
                out.append(token, last, begin - last);
                out += mContent;
                last = end;
            }
            out.append(std::string_view(token).substr(last));
            token = std::move(out);
        }
    }

private:
    Pattern mPattern;
    std::string mContent;
};

// Runs of <0xNN> tokens become their bytes; an invalid run becomes one U+FFFD per byte.
class ByteFallbackDecoder : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        out.reserve(tokens.size());
        std::string bytes;
        const auto flush = [&]() {
            if (bytes.empty()) return;
            if (utf8::isValid(bytes)) {
                out.push_back(bytes);
            } else {
                for (std::size_t i = 0; i < bytes.size(); ++i) out.emplace_back(kReplacementChar);
            }
            bytes.clear();
        };
        for (std::string& token : tokens) {
            const int byte = byteToken(token);
            if (byte >= 0) {
                bytes += static_cast<char>(byte);
                continue;
            }
            flush();
            out.push_back(std::move(token));
        }
        flush();
        tokens = std::move(out);
    }
};

class FuseDecoder : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::string joined;
        for (const std::string& token : tokens) joined += token;
        tokens.clear();
        tokens.push_back(std::move(joined));
    }
};

// Removes up to `start` leading and `stop` trailing `content` characters of every token.
class StripDecoder : public Decoder {
public:
    StripDecoder(char32_t content, std::size_t start, std::size_t stop)
        : mContent(content), mStart(start), mStop(stop) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::string& token : tokens) {
            const std::vector<char32_t> chars = codePoints(token);
            std::size_t begin = 0;
            while (begin < mStart && begin < chars.size() && chars[begin] == mContent) ++begin;
            std::size_t end = chars.size();
            for (std::size_t i = 0; i < mStop && end > begin && chars[end - 1] == mContent; ++i) {
                --end;
            }
            std::string out;
            for (std::size_t i = begin; i < end; ++i) utf8::append(out, chars[i]);
            token = std::move(out);
        }
    }

private:
    char32_t mContent;
    std::size_t mStart;
    std::size_t mStop;
};

class ByteLevelDecoder : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        const ByteLevelTable& table = ByteLevelTable::instance();
        std::string bytes;
        for (const std::string& token : tokens) {
            if (!table.decode(token, bytes)) bytes += token;
        }
        tokens.clear();
        tokens.push_back(utf8::lossy(bytes));
    }
};

class MetaspaceDecoder : public Decoder {
public:
    MetaspaceDecoder(char32_t replacement, bool dropFirst)
        : mReplacement(replacement), mDropFirst(dropFirst) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string out;
            std::size_t pos = 0;
            while (pos < tokens[i].size()) {
                const char32_t cp = utf8::next(tokens[i], pos);
                if (cp != mReplacement) {
                    utf8::append(out, cp);
                } else if (i != 0 || !mDropFirst) {
                    out += ' ';
                }
            }
            tokens[i] = std::move(out);
        }
    }

private:
    char32_t mReplacement;
    bool mDropFirst;
};

char32_t parseSingleChar(const JsonField& field) {
    const std::string text = field.string();
    std::size_t pos = 0;
    if (text.empty()) field.fail("expected a single character");
    const char32_t cp = utf8::next(text, pos);
    if (pos != text.size()) field.fail("expected a single character");
    return cp;
}

std::size_t parseCount(const JsonField& field) {
    const int64_t value = field.integer();
    if (value < 0 || value > (1 << 20)) field.fail("out of range");
    return static_cast<std::size_t>(value);
}

}  // namespace

std::unique_ptr<Decoder> parseDecoder(const JsonField& field, int depth) {
    if (field.isNull()) return nullptr;
    if (depth > kMaxDepth) field.fail("nested too deeply");
    const JsonField typeField = field["type"];
    const std::string type = typeField.string();
    if (type == "Sequence") {
        const JsonField list = field["decoders"];
        std::vector<std::unique_ptr<Decoder>> parts;
        for (std::size_t i = 0; i < list.arraySize(); ++i) {
            auto part = parseDecoder(list.at(i), depth + 1);
            if (part) parts.push_back(std::move(part));
        }
        return std::make_unique<SequenceDecoder>(std::move(parts));
    }
    if (type == "Replace") {
        return std::make_unique<ReplaceDecoder>(parsePattern(field["pattern"]),
                                                field["content"].string());
    }
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Strip") {
        return std::make_unique<StripDecoder>(parseSingleChar(field["content"]),
                                              parseCount(field["start"]),
                                              parseCount(field["stop"]));
    }
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "Metaspace") {
        const char32_t replacement =
            field.has("replacement") ? parseSingleChar(field["replacement"]) : U'\u2581';
        bool dropFirst = field.boolean("add_prefix_space", true);
        if (const auto scheme = field.optional("prepend_scheme")) {
            const std::string name = scheme->string();
            if (name != "always" && name != "first" && name != "never") scheme->unsupported();
            dropFirst = name != "never";
        }
        return std::make_unique<MetaspaceDecoder>(replacement, dropFirst);
    }
    typeField.unsupported();
}

}  // namespace lamina
