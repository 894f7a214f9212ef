#include "tokenizer/normalizers.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "common/json_field.h"
#include "tokenizer/pattern.h"
#include "tokenizer/utf8.h"

namespace lamina {

namespace {

constexpr int kMaxDepth = 16;

bool isAscii(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

class SequenceNormalizer : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts)
        : mParts(std::move(parts)) {}
    void normalize(std::string& text) const override {
        for (const auto& part : mParts) part->normalize(text);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> mParts;
};

class PrependNormalizer : public Normalizer {
public:
    explicit PrependNormalizer(std::string prefix) : mPrefix(std::move(prefix)) {}
    void normalize(std::string& text) const override {
        if (!text.empty()) text.insert(0, mPrefix);
    }

private:
    std::string mPrefix;
};

class ReplaceNormalizer : public Normalizer {
public:
    ReplaceNormalizer(Pattern pattern, std::string content)
        : mPattern(std::move(pattern)), mContent(std::move(content)) {}
    void normalize(std::string& text) const override {
        const auto matches = mPattern.findAll(text);
        if (matches.empty()) return;
        std::string out;
        out.reserve(text.size() + matches.size() * mContent.size());
        std::size_t last = 0;
        for (const auto& [begin, end] : matches) {
            out.append(text, last, begin - last);
            out += mContent;
            last = end;
        }
        out.append(std::string_view(text).substr(last));
        text = std::move(out);
    }

private:
    Pattern mPattern;
    std::string mContent;
};

class UnicodeNormalizer : public Normalizer {
public:
    explicit UnicodeNormalizer(int options) : mOptions(options) {}
    void normalize(std::string& text) const override {
        if (isAscii(text)) return;  // every form leaves ASCII alone
        utf8proc_uint8_t* out = nullptr;
        const utf8proc_ssize_t len =
            utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                         static_cast<utf8proc_ssize_t>(text.size()), &out,
                         static_cast<utf8proc_option_t>(mOptions));
        if (len < 0) return;  // cannot happen on valid UTF-8; keep the text as it is
        text.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
        std::free(out);
    }

private:
    int mOptions;
};

// Rust's str::to_lowercase, less the context-dependent final sigma.
class LowercaseNormalizer : public Normalizer {
public:
    void normalize(std::string& text) const override {
        std::string out;
        out.reserve(text.size());
        std::size_t pos = 0;
        while (pos < text.size()) {
            const char32_t cp = utf8::next(text, pos);
            if (cp == 0x130) {  // İ lowercases to i + combining dot above
                out += "i\xCC\x87";
                continue;
            }
            utf8::append(out, static_cast<char32_t>(utf8proc_tolower(static_cast<int32_t>(cp))));
        }
        text = std::move(out);
    }
};

class StripNormalizer : public Normalizer {
public:
    StripNormalizer(bool left, bool right) : mLeft(left), mRight(right) {}
    void normalize(std::string& text) const override {
        std::size_t begin = 0;
        std::size_t end = text.size();
        if (mLeft) {
            while (begin < end) {
                std::size_t pos = begin;
                if (!utf8::isWhitespace(utf8::next(text, pos))) break;
                begin = pos;
            }
        }
        if (mRight) {
            while (end > begin) {
                std::size_t start = end - 1;
                while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
                    --start;
                }
                std::size_t pos = start;
                if (!utf8::isWhitespace(utf8::next(text, pos))) break;
                end = start;
            }
        }
        text = text.substr(begin, end - begin);
    }

private:
    bool mLeft;
    bool mRight;
};

class StripAccentsNormalizer : public Normalizer {
public:
    void normalize(std::string& text) const override {
        std::string out;
        out.reserve(text.size());
        std::size_t pos = 0;
        while (pos < text.size()) {
            const char32_t cp = utf8::next(text, pos);
            if (utf8proc_category(static_cast<int32_t>(cp)) != UTF8PROC_CATEGORY_MN) {
                utf8::append(out, cp);
            }
        }
        text = std::move(out);
    }
};

}  // namespace

std::unique_ptr<Normalizer> parseNormalizer(const JsonField& field, int depth) {
    if (field.isNull()) return nullptr;
    if (depth > kMaxDepth) field.fail("nested too deeply");
    const JsonField typeField = field["type"];
    const std::string type = typeField.string();
    if (type == "Sequence") {
        const JsonField list = field["normalizers"];
        std::vector<std::unique_ptr<Normalizer>> parts;
        for (std::size_t i = 0; i < list.arraySize(); ++i) {
            auto part = parseNormalizer(list.at(i), depth + 1);
            if (part) parts.push_back(std::move(part));
        }
        return std::make_unique<SequenceNormalizer>(std::move(parts));
    }
    if (type == "Prepend") return std::make_unique<PrependNormalizer>(field["prepend"].string());
    if (type == "Replace") {
        return std::make_unique<ReplaceNormalizer>(parsePattern(field["pattern"]),
                                                   field["content"].string());
    }
    if (type == "NFC")
        return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (type == "NFD") {
        return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
    }
    if (type == "NFKC") {
        return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                   UTF8PROC_COMPAT);
    }
    if (type == "NFKD") {
        return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE |
                                                   UTF8PROC_COMPAT);
    }
    if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
    if (type == "Strip") {
        return std::make_unique<StripNormalizer>(field.boolean("strip_left", true),
                                                 field.boolean("strip_right", true));
    }
    if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
    typeField.unsupported();
}

}  // namespace lamina
