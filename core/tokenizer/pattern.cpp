#include "tokenizer/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <new>
#include <stdexcept>

#include "common/error.h"
#include "common/json_field.h"
#include "tokenizer/utf8.h"

namespace lamina {

struct Pattern::Compiled {
    pcre2_code* code = nullptr;
    bool jit = false;
    ~Compiled() { pcre2_code_free(code); }
};

Pattern Pattern::regex(const std::string& regex) {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(),
                                     PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr);
    if (code == nullptr) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(errorCode, message, sizeof(message));
        throw std::invalid_argument("invalid regex at offset " + std::to_string(errorOffset) +
                                    ": " + reinterpret_cast<const char*>(message));
    }
    auto compiled = std::make_shared<Compiled>();
    compiled->code = code;
    compiled->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    Pattern p;
    p.mRegex = std::move(compiled);
    return p;
}

Pattern Pattern::literal(std::string text) {
    Pattern p;
    p.mLiteral = std::move(text);
    return p;
}

std::vector<Pattern::Match> Pattern::findAll(std::string_view text) const {
    std::vector<Match> matches;
    if (!mRegex) {
        if (mLiteral.empty()) return matches;
        for (std::size_t pos = text.find(mLiteral); pos != std::string_view::npos;
             pos = text.find(mLiteral, pos + mLiteral.size())) {
            matches.emplace_back(pos, pos + mLiteral.size());
        }
        return matches;
    }
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
        pcre2_match_data_create_from_pattern(mRegex->code, nullptr), &pcre2_match_data_free);
    if (!data) throw std::bad_alloc();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    // The caller guarantees valid UTF-8; skipping PCRE2's check keeps repeated matching linear.
    uint32_t options = PCRE2_NO_UTF_CHECK;
    std::size_t start = 0;
    while (start <= text.size()) {
        int rc =
            pcre2_match(mRegex->code, subject, text.size(), start, options, data.get(), nullptr);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
            options |= PCRE2_NO_JIT;  // the interpreter keeps its backtracking on the heap
            continue;
        }
        if (rc < 0) break;  // no match (or a match limit): the rest is a gap
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
        const std::size_t begin = ovector[0];
        const std::size_t end = ovector[1];
        if (end > begin && begin >= start) {
            matches.emplace_back(begin, end);
            start = end;
        } else {
            // Empty match: step over one code point, as Oniguruma's find_iter does.
            const std::size_t at = std::max(begin, start);
            if (at >= text.size()) break;
            start = at + utf8::sequenceLength(static_cast<unsigned char>(text[at]));
        }
    }
    return matches;
}

Pattern parsePattern(const JsonField& field) {
    if (field.has("String")) return Pattern::literal(field["String"].string());
    if (field.has("Regex")) {
        const JsonField regex = field["Regex"];
        try {
            return Pattern::regex(regex.string());
        } catch (const std::invalid_argument& e) {
            regex.fail(e.what());
        }
    }
    field.fail("expected {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace lamina
