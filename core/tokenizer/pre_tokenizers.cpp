#include "tokenizer/pre_tokenizers.h"

#include <utility>

#include "common/json_field.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/utf8.h"

namespace lamina {

namespace {

constexpr int kMaxDepth = 16;

// tokenizers' SplitDelimiterBehavior.
enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct Range {
    std::size_t begin;
    std::size_t end;
    bool isMatch;
};

// Splits `text` at `matches` the way NormalizedString::split does.
std::vector<Range> splitRanges(std::size_t size, const std::vector<Pattern::Match>& matches,
                               Behavior behavior, bool invert) {
    std::vector<Range> all;
    std::size_t last = 0;
    for (const auto& [begin, end] : matches) {
        if (last < begin) all.push_back({last, begin, invert});
        all.push_back({begin, end, !invert});
        last = end;
    }
    if (last < size) all.push_back({last, size, invert});

    std::vector<Range> out;
    bool previousMatch = false;
    switch (behavior) {
        case Behavior::Isolated:
            return all;
        case Behavior::Removed:
            for (const Range& r : all) {
                if (!r.isMatch) out.push_back(r);
            }
            return out;
        case Behavior::Contiguous:
            for (const Range& r : all) {
                if (r.isMatch == previousMatch && !out.empty()) {
                    out.back().end = r.end;
                } else {
                    out.push_back(r);
                }
                previousMatch = r.isMatch;
            }
            return out;
        case Behavior::MergedWithPrevious:
            for (const Range& r : all) {
                if (r.isMatch && !previousMatch && !out.empty()) {
                    out.back().end = r.end;
                } else {
                    out.push_back(r);
                }
                previousMatch = r.isMatch;
            }
            return out;
        case Behavior::MergedWithNext:
            for (auto it = all.rbegin(); it != all.rend(); ++it) {
                if (it->isMatch && !previousMatch && !out.empty()) {
                    out.back().begin = it->begin;
                } else {
                    out.push_back(*it);
                }
                previousMatch = it->isMatch;
            }
            return {out.rbegin(), out.rend()};
    }
    return all;
}

void splitPieces(std::vector<PreToken>& pieces, const Pattern& pattern, Behavior behavior,
                 bool invert) {
    std::vector<PreToken> out;
    out.reserve(pieces.size());
    for (PreToken& piece : pieces) {
        const auto matches = pattern.findAll(piece.text);
        if (matches.empty() && !invert && behavior != Behavior::Removed) {
            out.push_back(std::move(piece));
            continue;
        }
        for (const Range& r : splitRanges(piece.text.size(), matches, behavior, invert)) {
            if (r.end <= r.begin) continue;
            out.push_back(
                {piece.text.substr(r.begin, r.end - r.begin), piece.atStart && r.begin == 0});
        }
    }
    pieces = std::move(out);
}

class SequencePreTokenizer : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts)
        : mParts(std::move(parts)) {}
    void preTokenize(std::vector<PreToken>& pieces) const override {
        for (const auto& part : mParts) part->preTokenize(pieces);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> mParts;
};

class SplitPreTokenizer : public PreTokenizer {
public:
    SplitPreTokenizer(Pattern pattern, Behavior behavior, bool invert)
        : mPattern(std::move(pattern)), mBehavior(behavior), mInvert(invert) {}
    void preTokenize(std::vector<PreToken>& pieces) const override {
        splitPieces(pieces, mPattern, mBehavior, mInvert);
    }

private:
    Pattern mPattern;
    Behavior mBehavior;
    bool mInvert;
};

class ByteLevelPreTokenizer : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex)
        : mAddPrefixSpace(addPrefixSpace), mUseRegex(useRegex) {}
    void preTokenize(std::vector<PreToken>& pieces) const override {
        if (mAddPrefixSpace) {
            for (PreToken& piece : pieces) {
                if (piece.text.empty() || piece.text[0] != ' ') piece.text.insert(0, " ");
            }
        }
        if (mUseRegex) splitPieces(pieces, gpt2Pattern(), Behavior::Isolated, false);
        const ByteLevelTable& table = ByteLevelTable::instance();
        for (PreToken& piece : pieces) piece.text = table.encode(piece.text);
    }

private:
    static const Pattern& gpt2Pattern() {
        static const Pattern pattern = Pattern::regex(
            R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)");
        return pattern;
    }

    bool mAddPrefixSpace;
    bool mUseRegex;
};

enum class PrependScheme { Always, First, Never };

class MetaspacePreTokenizer : public PreTokenizer {
public:
    MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
        : mReplacement(std::move(replacement)),
          mSplitter(Pattern::literal(mReplacement)),
          mScheme(scheme),
          mSplit(split) {}
    void preTokenize(std::vector<PreToken>& pieces) const override {
        for (PreToken& piece : pieces) {
            std::string out;
            for (const char c : piece.text) {
                if (c == ' ') {
                    out += mReplacement;
                } else {
                    out += c;
                }
            }
            const bool startsWithReplacement =
                out.compare(0, mReplacement.size(), mReplacement) == 0;
            const bool prepend =
                !startsWithReplacement && (mScheme == PrependScheme::Always ||
                                           (mScheme == PrependScheme::First && piece.atStart));
            if (prepend) out.insert(0, mReplacement);
            piece.text = std::move(out);
        }
        if (mSplit) splitPieces(pieces, mSplitter, Behavior::MergedWithNext, false);
    }

private:
    std::string mReplacement;
    Pattern mSplitter;
    PrependScheme mScheme;
    bool mSplit;
};

Behavior parseBehavior(const JsonField& field) {
    const std::string name = field.string();
    if (name == "Removed") return Behavior::Removed;
    if (name == "Isolated") return Behavior::Isolated;
    if (name == "MergedWithPrevious") return Behavior::MergedWithPrevious;
    if (name == "MergedWithNext") return Behavior::MergedWithNext;
    if (name == "Contiguous") return Behavior::Contiguous;
    field.unsupported();
}

std::string parseReplacementChar(const JsonField& field) {
    std::string text = field.string();
    std::size_t pos = 0;
    if (text.empty() || (utf8::next(text, pos), pos != text.size())) {
        field.fail("expected a single character");
    }
    return text;
}

PrependScheme parsePrependScheme(const JsonField& field) {
    if (const auto scheme = field.optional("prepend_scheme")) {
        const std::string name = scheme->string();
        if (name == "always") return PrependScheme::Always;
        if (name == "first") return PrependScheme::First;
        if (name == "never") return PrependScheme::Never;
        scheme->unsupported();
    }
    return field.boolean("add_prefix_space", true) ? PrependScheme::Always : PrependScheme::Never;
}

}  // namespace

std::unique_ptr<PreTokenizer> parsePreTokenizer(const JsonField& field, int depth) {
    if (field.isNull()) return nullptr;
    if (depth > kMaxDepth) field.fail("nested too deeply");
    const JsonField typeField = field["type"];
    const std::string type = typeField.string();
    if (type == "Sequence") {
        const JsonField list = field["pretokenizers"];
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (std::size_t i = 0; i < list.arraySize(); ++i) {
            auto part = parsePreTokenizer(list.at(i), depth + 1);
            if (part) parts.push_back(std::move(part));
        }
        return std::make_unique<SequencePreTokenizer>(std::move(parts));
    }
    if (type == "Split") {
        return std::make_unique<SplitPreTokenizer>(parsePattern(field["pattern"]),
                                                   parseBehavior(field["behavior"]),
                                                   field.boolean("invert", false));
    }
    if (type == "ByteLevel") {
        return std::make_unique<ByteLevelPreTokenizer>(field.boolean("add_prefix_space", true),
                                                       field.boolean("use_regex", true));
    }
    if (type == "Metaspace") {
        return std::make_unique<MetaspacePreTokenizer>(
            field.has("replacement") ? parseReplacementChar(field["replacement"]) : "\xE2\x96\x81",
            parsePrependScheme(field), field.boolean("split", true));
    }
    if (type == "Digits") {
        // Rust's char::is_numeric is \p{N}; one match per character, as with a char predicate.
        return std::make_unique<SplitPreTokenizer>(
            Pattern::regex(R"(\p{N})"),
            field.boolean("individual_digits", false) ? Behavior::Isolated : Behavior::Contiguous,
            false);
    }
    if (type == "Punctuation") {
        const Behavior behavior =
            field.has("behavior") ? parseBehavior(field["behavior"]) : Behavior::Isolated;
        return std::make_unique<SplitPreTokenizer>(
            Pattern::regex(R"([\p{P}\x{21}-\x{2F}\x{3A}-\x{40}\x{5B}-\x{60}\x{7B}-\x{7E}])"),
            behavior, false);
    }
    if (type == "WhitespaceSplit") {
        return std::make_unique<SplitPreTokenizer>(
            Pattern::regex(R"([\x{09}-\x{0D}\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A})"
                           R"(\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}])"),
            Behavior::Removed, false);
    }
    typeField.unsupported();
}

}  // namespace lamina
