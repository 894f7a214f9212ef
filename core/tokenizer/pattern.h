#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lamina {

class JsonField;

// A literal string or a PCRE2 regex (UTF + UCP, JIT when available), as used by the
// `Split` pre-tokenizer and the `Replace` normalizer/decoder. Immutable, thread-safe.
class Pattern {
public:
    using Match = std::pair<std::size_t, std::size_t>;  // [begin, end) byte offsets

    // Throws std::invalid_argument with PCRE2's message when `regex` does not compile.
    static Pattern regex(const std::string& regex);
    static Pattern literal(std::string text);

    // Non-overlapping, non-empty matches from left to right in valid UTF-8 `text`.
    std::vector<Match> findAll(std::string_view text) const;

private:
    struct Compiled;
    std::shared_ptr<const Compiled> mRegex;
    std::string mLiteral;
};

// A `{"String": ...}` or `{"Regex": ...}` pattern object of tokenizer.json.
Pattern parsePattern(const JsonField& field);

}  // namespace lamina
