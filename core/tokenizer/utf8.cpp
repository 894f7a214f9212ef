#include "tokenizer/utf8.h"

#include <utf8proc.h>

namespace lamina::utf8 {

namespace {

bool isContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Length of the well-formed sequence at `pos`, or 0 with `bad` set to the length of the
// maximal ill-formed subpart (at least 1), following the Unicode "maximal subpart" rule.
std::size_t checkSequence(std::string_view s, std::size_t pos, std::size_t& bad) {
    const auto byteAt = [&](std::size_t i) -> int {
        return pos + i < s.size() ? static_cast<unsigned char>(s[pos + i]) : -1;
    };
    const int b0 = byteAt(0);
    if (b0 < 0x80) return 1;
    int lo = 0x80;
    int hi = 0xBF;
    std::size_t width = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        width = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        width = 3;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        width = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        bad = 1;
        return 0;
    }
    const int b1 = byteAt(1);
    if (b1 < lo || b1 > hi) {
        bad = 1;
        return 0;
    }
    for (std::size_t i = 2; i < width; ++i) {
        const int b = byteAt(i);
        if (b < 0 || !isContinuation(static_cast<unsigned char>(b))) {
            bad = i;
            return 0;
        }
    }
    return width;
}

}  // namespace

std::size_t sequenceLength(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xF0) return 4;
    if (lead >= 0xE0) return 3;
    if (lead >= 0xC0) return 2;
    return 1;
}

char32_t next(std::string_view s, std::size_t& pos) {
    const auto lead = static_cast<unsigned char>(s[pos]);
    std::size_t len = sequenceLength(lead);
    if (pos + len > s.size()) len = s.size() - pos;
    char32_t cp = lead;
    if (len == 2) cp = lead & 0x1F;
    if (len == 3) cp = lead & 0x0F;
    if (len == 4) cp = lead & 0x07;
    for (std::size_t i = 1; i < len; ++i) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3F);
    }
    pos += len;
    return cp;
}

void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool isValid(std::string_view s) {
    std::size_t pos = 0;
    while (pos < s.size()) {
        if (static_cast<unsigned char>(s[pos]) < 0x80) {
            ++pos;
            continue;
        }
        std::size_t bad = 0;
        const std::size_t len = checkSequence(s, pos, bad);
        if (len == 0) return false;
        pos += len;
    }
    return true;
}

std::string lossy(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t bad = 0;
        const std::size_t len = checkSequence(s, pos, bad);
        if (len == 0) {
            out += "\xEF\xBF\xBD";
            pos += bad;
        } else {
            out.append(s, pos, len);
            pos += len;
        }
    }
    return out;
}

bool isWhitespace(char32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

bool isWordChar(char32_t cp) {
    if (cp == 0x200C || cp == 0x200D) return true;
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_MN:
        case UTF8PROC_CATEGORY_MC:
        case UTF8PROC_CATEGORY_ME:
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_PC:
            return true;
        default:
            return false;
    }
}

}  // namespace lamina::utf8
